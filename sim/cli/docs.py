"""Generate ``docs/parameters.md``: every parameter with its meaning, range, default and provenance.

::

    python -m sim.docs           # rewrite docs/parameters.md
    python -m sim.docs --check   # exit 1 if docs/parameters.md is out of date

Meanings and ranges come from the field metadata of the schemas in
:mod:`sim.config.schema`; values and provenance from the files under ``configs/``
(the baseline composition, every actor file and every scenario file). A test
regenerates the page and compares it with the committed one.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import yaml
from omegaconf import OmegaConf

from sim.cli.common import fail
from sim.cli.scenarios import catalogue
from sim.config import schema
from sim.config.compose import CONFIG_DIR, compose, known_actors
from sim.core.params import range_text

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "parameters.md"
META_FIELDS = ("role", "provenance")


def fmt(value) -> str:
    """A value as it would be written in YAML flow style, safe inside a Markdown table cell."""
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {fmt(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(fmt(v) for v in value) + "]"
    elif isinstance(value, str):
        text = value if value else "''"
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = str(value).lower()
    else:
        text = f"{value:g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def schema_fields(cls) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if f.name not in META_FIELDS]


def schema_default(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        return "required" if f.default == "???" else fmt(f.default)
    if f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        return fmt(value) if not dataclasses.is_dataclass(value) else "see below"
    return "required"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return [*out, ""]


def kind_text(f: dataclasses.Field) -> str:
    """A field's kind, and whose lever it is when it is one ('state, lever (us)', 'behaviour, lever')."""
    kind = f.metadata.get("kind", "")
    who = f.metadata.get("lever", "")
    if not who:
        return kind
    return f"{kind}, lever" if who == "self" else f"{kind}, lever ({who})"


def levers_section(base: Any) -> list[str]:
    """The levers (what an actor chooses) with their ranges of choices, and the named policies."""
    from sim.analysis.ema import Choices, actor_roles, lever_class, lever_specs, values_of, whose
    from sim.analysis.policies import policy_keys, policy_names

    roles = actor_roles(base)
    specs = lever_specs(base)
    values = values_of(base, specs)
    out = [
        "## Levers (`levers.*`, sim/configs/levers/): what an actor chooses",
        "",
        "Apart from the assumptions (what nobody controls, drawn from the ranges of `sim/configs/uncertainty/` by",
        "`python -m sim.explore`), a *lever* is a parameter an actor chooses. It is declared where the parameter",
        "is, `param(..., lever=WHO)` in `sim/core/params.py` (the *kind* column above says `lever`), and its range",
        "of choices, with provenance, is in `sim/configs/levers/muscat_2026.yaml`. A named policy (below) sets",
        "levers; `sim.ema.model(scenario)` varies them as EMA Workbench levers; `python -m sim.policies` compares",
        "policies over the same parameter vectors of the assumptions (docs/policies.md). A lever is never drawn as",
        "an uncertainty there, even where the baseline calls its value an assumption.",
        "",
    ]
    rows = []
    for path, dist in specs.items():
        cls, name = lever_class(path, roles)
        f = next(f for f in dataclasses.fields(cls) if f.name == name)
        rows.append(
            [
                f"`{path}`",
                whose(path, roles),
                f.metadata.get("doc", ""),
                f.metadata.get("kind", ""),
                dist.describe() if isinstance(dist, Choices) else f"[{dist.low:g}, {dist.high:g}]",
                fmt(values[path]),
                dist.provenance,
            ]
        )
    out += table(["lever", "whose", "meaning", "kind", "range of choices", "baseline", "provenance of the range"], rows)
    out += [
        "### Named policies (sim/configs/policy/, `policy=NAME`)",
        "",
        "Each sets some levers over any scenario (`python -m sim scenario=us_military_buildup policy=nuclear_first`);",
        "the levers it leaves out keep the scenario's values. Every value carries its provenance in the file.",
        "",
    ]
    rows = []
    for name in policy_names():
        data = yaml.safe_load((CONFIG_DIR / "policy" / f"{name}.yaml").read_text()) or {}
        meta = data.get("policy", {})
        settings = []
        for key in policy_keys(name):
            node = data
            for part in key.split("."):
                node = node[part]
            settings.append(f"`{key}` = {fmt(node)}")
        rows.append([f"`{name}`", meta.get("whose", ""), meta.get("description", ""), "; ".join(settings) or "none"])
    out += table(["policy", "whose", "what it does", "levers it sets"], rows)
    return out


def fields_table(cls, values: dict | None = None, provenance: dict | None = None) -> list[str]:
    """Parameter, meaning, range, default (and the baseline value and provenance when given)."""
    header = ["parameter", "meaning", "range", "kind", "default"]
    if values is not None:
        header = [*header, "baseline", "provenance"]
    rows = []
    for f in schema_fields(cls):
        row = [f"`{f.name}`", f.metadata.get("doc", ""), range_text(f) or "-", kind_text(f), schema_default(f)]
        if values is not None:
            row += [fmt(values.get(f.name)), (provenance or {}).get(f.name, "")]
        rows.append(row)
    return table(header, rows)


def actor_file(name: str, config_dir: Path) -> tuple[dict, str]:
    """(the actor's values, its role) read from sim/configs/actors/NAME.yaml."""
    data = yaml.safe_load((config_dir / "actors" / f"{name}.yaml").read_text()) or {}
    data.pop("defaults", None)
    return data, str(data.get("role", ""))


def generate(config_dir: Path = CONFIG_DIR) -> str:
    """The text of docs/parameters.md."""
    base = OmegaConf.to_container(compose(["scenario=baseline"], config_dir), resolve=True)
    out = [
        "# Parameters",
        "",
        "<!-- generated by `python -m sim.docs` from sim/core/params.py and sim/configs/; do not edit by hand -->",
        "",
        "Every parameter of the model, with its meaning, its range, its default and, for the values the",
        "configs set, their provenance (a sentence of the seed article, a public source, or *assumption*).",
        "Each parameter is declared once, as a field of the core dataclasses in `sim/core/params.py`: its",
        "meaning, range and kind live there, the Hydra schemas that check keys and types are generated from",
        "them (`sim/config/schema.py`) and `Scenario.validate` enforces the ranges. *Kind* is `state` (the",
        "situation of a time and place, set per case by a scenario), `behaviour` (how actors decide, shared",
        "by every case) or `label`; `lever` marks what an actor chooses (see Levers, listed apart from the",
        "assumptions). *Default* is the value used when a file leaves the parameter out;",
        "*baseline* is the value of the baseline scenario.",
        "",
        "Set any of them from the command line with its dotted key, e.g.",
        "`python -m sim scenario=baseline actors.us.trust=0.6 world.unrest=0.9 max_rounds=30`;",
        "print a scenario's resolved values with `python -m sim.scenarios NAME`",
        "(or `python -m sim scenario=NAME --cfg job`).",
        "",
        "## Run settings (top level)",
        "",
    ]
    run_fields = [f for f in dataclasses.fields(schema.ConfigSchema) if f.name in (*schema.RUN_SETTINGS, "max_rounds")]
    rows = [
        [
            f"`{f.name}`",
            f.metadata.get("doc", ""),
            range_text(f) or "-",
            schema_default(f),
            fmt(base.get(f.name)),
            base.get("provenance", {}).get(f.name, "run setting, not a model assumption"),
        ]
        for f in run_fields
    ]
    out += table(["parameter", "meaning", "range", "default", "baseline", "provenance"], rows)
    out += ["## Scenario description (`scenario.*`)", ""]
    out += fields_table(schema.ScenarioMetaSchema)

    out += ["## Agenda (`agenda.issues`, sim/configs/agenda/)", "", "Each issue of the list has:", ""]
    out += fields_table(schema.IssueSchema)
    out += ["The baseline issues (sim/configs/agenda/muscat_2026.yaml):", ""]
    out += table(
        ["issue", "track", "status quo", "source"],
        [[f"`{i['name']}`", i["track"], fmt(i["status_quo"]), i.get("source", "")] for i in base["agenda"]["issues"]],
    )

    out += ["## World (`world.*`, sim/configs/world/)", ""]
    out += fields_table(schema.WorldSchema, base["world"], base["world"].get("provenance", {}))

    out += ["## Events (`events.events`, sim/configs/events/)", "", "Each event of the list has:", ""]
    out += fields_table(schema.EventSchema)
    out += ["The baseline events (sim/configs/events/muscat_2026.yaml):", ""]
    out += table(
        ["event", "hazard per round", "effects", "source"],
        [[f"`{e['name']}`", fmt(e["hazard"]), fmt(e["effects"]), e.get("source", "")] for e in base["events"]["events"]],
    )

    out += [
        "## Transitions (`transitions`, scenario or case files)",
        "",
        "Scheduled changes of a principal's government that pause the talks and resume them with its new state",
        "parameters (none in the baseline; one round is one week, `WEEKS_PER_ROUND`). Each item of the list has:",
        "",
    ]
    out += fields_table(schema.TransitionSchema)

    out += [
        "## Actors (`actors.<key>.*`, sim/configs/actors/)",
        "",
        "Each actor file extends the schema of its role (`defaults: [principal_schema, _self_]`); a new actor",
        "is one more file with an existing role, added to a run with `+actors@actors.<key>=<file>`",
        "(e.g. `python -m sim +actors@actors.eu3=eu3`) or removed with `~actors.<key>`.",
        "",
    ]
    files = {name: actor_file(name, config_dir) for name in known_actors(config_dir)}
    for role, cls in schema.ROLE_SCHEMAS.items():
        out += [f"### Role `{role}` (`{role}_schema`)", "", (cls.__doc__ or "").strip(), ""]
        out += fields_table(cls)
        for name, (data, file_role) in files.items():
            if file_role != role:
                continue
            in_base = name in base["actors"]
            where = "in the baseline" if in_base else "not in the baseline; add it with " + f"`+actors@actors.{name}={name}`"
            out += [f"#### `{name}`: {data.get('name', name)} (sim/configs/actors/{name}.yaml, {where})", ""]
            prov = data.get("provenance", {}) or {}
            rows = [[f"`{f.name}`", fmt(data.get(f.name, "(default)")), prov.get(f.name, "")] for f in schema_fields(cls)]
            out += table(["parameter", "value", "provenance"], rows)

    out += levers_section(base)
    out += [
        "## Scenarios (sim/configs/scenario/)",
        "",
        "Each scenario is a short file over the baseline; the values it changes, with their provenance:",
        "",
    ]
    for info in catalogue(config_dir):
        out += [f"### `{info.name}`", "", info.description, "", f"Motivation: {info.motivation}", ""]
        if info.adds:
            out += [f"Adds actors: {', '.join(f'`{a}`' for a in info.adds)}.", ""]
        if info.changes:
            rows = []
            for key, value in info.changes.items():
                node = base
                for part in key.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                rows.append([f"`{key}`", fmt(node), fmt(value), info.provenance.get(key, "")])
            out += table(["parameter", "baseline", "scenario", "provenance"], rows)
        elif not info.adds:
            out += ["No change: the baseline files as they are.", ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    unknown = [a for a in argv if a != "--check"]
    if unknown:
        fail(
            f"unknown argument {unknown[0]!r}: use `python -m sim.docs` to write "
            "docs/parameters.md or `python -m sim.docs --check` to check it"
        )
    text = generate()
    if "--check" in argv:
        current = DOC_PATH.read_text() if DOC_PATH.exists() else ""
        if current != text:
            print(f"{DOC_PATH} is out of date: run `python -m sim.docs`", file=sys.stderr)
            return 1
        print(f"{DOC_PATH} is up to date")
        return 0
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(text)
    print(f"wrote {DOC_PATH}")
    return 0
