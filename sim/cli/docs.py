"""Generate ``docs/parameters.md``: every parameter with its meaning, range, default and provenance.

::

    python -m sim docs           # rewrite docs/parameters.md
    python -m sim docs --check   # exit 1 if docs/parameters.md is out of date

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
from sim.core.declare import range_text

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
        "## Levers (`levers.*`, configs/levers/): what an actor chooses",
        "",
        "Apart from the assumptions (what nobody controls, drawn from the ranges of `configs/uncertainty/` by",
        "`python -m sim explore`), a *lever* is a parameter an actor chooses. It is declared where the parameter",
        "is, `param(..., lever=WHO)` in `sim/core/params.py` (the *kind* column above says `lever`), and its range",
        "of choices, with provenance, is in `configs/levers/muscat_2026.yaml`. A named policy (below) sets",
        "levers; `sim.ema.model(scenario)` varies them as EMA Workbench levers; `python -m sim policies` compares",
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
        "### Named policies (configs/policy/, `policy=NAME`)",
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
    """(the actor's values, its role) read from configs/actors/NAME.yaml."""
    data = yaml.safe_load((config_dir / "actors" / f"{name}.yaml").read_text()) or {}
    data.pop("defaults", None)
    return data, str(data.get("role", ""))


def generate(config_dir: Path = CONFIG_DIR) -> str:
    """The text of docs/parameters.md."""
    base = OmegaConf.to_container(compose(["scenario=baseline"], config_dir), resolve=True)
    out = _parameters_intro() + _run_settings_section(base) + _scenario_parts_sections(base)
    out += _actors_section(base, config_dir)
    out += levers_section(base)
    out += _scenarios_section(base, config_dir)
    return "\n".join(out).rstrip() + "\n"


def _parameters_intro() -> list[str]:
    """The page's title and how to read and set the parameters."""
    return [
        "# Parameters",
        "",
        "<!-- generated by `python -m sim docs` from sim/core/params.py and configs/; do not edit by hand -->",
        "",
        "Every parameter of the model, with its meaning, its range, its default and, for the values the",
        "configs set, their provenance (a sentence of the article, `article: '...'`, see sources.md; a public source;",
        "or *assumption*).",
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
        "print a scenario's resolved values with `python -m sim scenarios NAME`",
        "(or `python -m sim scenario=NAME --cfg job`).",
        "",
        "## Run settings (top level)",
        "",
    ]


def _run_settings_section(base: dict) -> list[str]:
    """The run settings (seed, replications, ...) and max_rounds, with the baseline's values."""
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
    return table(["parameter", "meaning", "range", "default", "baseline", "provenance"], rows)


def _scenario_parts_sections(base: dict) -> list[str]:
    """The scenario's description, agenda, world, events and transitions."""
    out: list[str] = []
    out += ["## Scenario description (`scenario.*`)", ""]
    out += fields_table(schema.ScenarioMetaSchema)

    out += ["## Agenda (`agenda.issues`, configs/agenda/)", "", "Each issue of the list has:", ""]
    out += fields_table(schema.IssueSchema)
    out += ["The baseline issues (configs/agenda/muscat_2026.yaml):", ""]
    out += table(
        ["issue", "track", "status quo", "source"],
        [[f"`{i['name']}`", i["track"], fmt(i["status_quo"]), i.get("source", "")] for i in base["agenda"]["issues"]],
    )

    out += ["## World (`world.*`, configs/world/)", ""]
    out += fields_table(schema.WorldSchema, base["world"], base["world"].get("provenance", {}))

    out += ["## Events (`events.events`, configs/events/)", "", "Each event of the list has:", ""]
    out += fields_table(schema.EventSchema)
    out += ["The baseline events (configs/events/muscat_2026.yaml):", ""]
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
    return out


def _actors_section(base: dict, config_dir: Path) -> list[str]:
    """Each role's fields and each actor file's values with their provenance."""
    out = [
        "## Actors (`actors.<key>.*`, configs/actors/)",
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
            out += [f"#### `{name}`: {data.get('name', name)} (configs/actors/{name}.yaml, {where})", ""]
            prov = data.get("provenance", {}) or {}
            rows = [[f"`{f.name}`", fmt(data.get(f.name, "(default)")), prov.get(f.name, "")] for f in schema_fields(cls)]
            out += table(["parameter", "value", "provenance"], rows)
    return out


def _scenarios_section(base: dict, config_dir: Path) -> list[str]:
    """Each scenario file and the values it changes over the baseline, with their provenance."""
    out = [
        "## Scenarios (configs/scenario/)",
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
    return out


SOURCES_PATH = DOC_PATH.parent / "sources.md"
#: The article the configs quote (``article: '...'``): what the copy given to the project says of itself.
ARTICLE = {
    "title": "untitled in the copy the project was given (it ends with the hashtag #USIranNuclearTalksTurmoil)",
    "outlet": "not named in the copy",
    "date": "not dated in the copy; it describes the talks of early February 2026 in Muscat, Oman",
    "copy": "../shared/seed/000_53c1f0d1dc953768.txt beside the repository (10,715 bytes), not redistributed here",
    "sha256": "e0a7d8116846acf61dbc776b9464b7463dd4e6e69f3699d79fe37b00237d51b2",
}
#: Works the configs and the model cite by author and year.
LITERATURE = {
    "Binmore, Rubinstein and Wolinsky (1986)": "K. Binmore, A. Rubinstein, A. Wolinsky, 'The Nash Bargaining Solution in "
    "Economic Modelling', RAND Journal of Economics 17(2), 176-188, 1986",
    "Cramton (1984)": "P. C. Cramton, 'Bargaining with Incomplete Information: An Infinite-Horizon Model with Two-Sided "
    "Uncertainty', Review of Economic Studies 51(4), 579-593, 1984",
    "Fearon (1995)": "J. D. Fearon, 'Rationalist Explanations for War', International Organization 49(3), 379-414, 1995",
    "Fudenberg and Tirole (1983)": "D. Fudenberg, J. Tirole, 'Sequential Bargaining with Incomplete Information', "
    "Review of Economic Studies 50(2), 221-247, 1983",
    "McKelvey and Palfrey (1995)": "R. D. McKelvey, T. R. Palfrey, 'Quantal Response Equilibria for Normal Form Games', "
    "Games and Economic Behavior 10(1), 6-38, 1995",
    "Powell (2006)": "R. Powell, 'War as a Commitment Problem', International Organization 60(1), 169-203, 2006",
    "Putnam 1988": "R. D. Putnam, 'Diplomacy and Domestic Politics: The Logic of Two-Level Games', International "
    "Organization 42(3), 427-460, 1988",
    "Rubinstein (1982)": "A. Rubinstein, 'Perfect Equilibrium in a Bargaining Model', Econometrica 50(1), 97-109, 1982",
}


def _provenance_texts(node, path: str = "") -> list[tuple[str, str]]:
    """(key, text) of every provenance, source and motivation in a config file's content."""
    out: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if key == "provenance" and isinstance(value, dict):
                out += [(f"{path}.{k}" if path else str(k), str(v)) for k, v in value.items() if isinstance(v, str)]
            elif key in ("source", "motivation") and isinstance(value, str):
                out.append((where, value))
            else:
                out += _provenance_texts(value, where)
    elif isinstance(node, list):
        for item in node:
            name = item.get("name") if isinstance(item, dict) else None
            out += _provenance_texts(item, f"{path}.{name}" if name else path)
    return out


def public_citations(text: str) -> list[str]:
    """The parts of a provenance that cite something other than the article or an assumption."""
    import re

    parts = [p.strip(" .") for p in re.split(r";\s+", text)]
    dated = re.compile(r"\b(19|20)\d\d\b")
    return [p for p in parts if p.startswith("public source") or (dated.search(p) and not p.startswith(("article", "seed")))]


def generate_sources(config_dir: Path = CONFIG_DIR) -> str:
    """The text of docs/sources.md: the article, the literature, and every public source each config file cites."""
    out = [
        "# Sources",
        "",
        "<!-- generated by `muscat-sim docs` from configs/ and sim/cli/docs.py; do not edit by hand -->",
        "",
        "Every value a config sets carries its provenance: a sentence of the article (`article: '...'`), a public",
        "source (below), or the word *assumption*. `docs/parameters.md` gives each parameter's provenance beside",
        "its value; this page gathers what they cite.",
        "",
        "## The article",
        "",
        "The situation the model represents is the one an article describes; the configs quote its sentences as",
        "`article: '...'`.",
        "",
        f"- Title: {ARTICLE['title']}",
        f"- Outlet: {ARTICLE['outlet']}",
        f"- Date: {ARTICLE['date']}",
        f"- Copy: {ARTICLE['copy']}",
        f"- SHA-256 of the copy: `{ARTICLE['sha256']}`",
        "",
        "Tests (`tests/config/test_scenarios.py`, `tests/config/test_config.py`) check, whenever the copy is present",
        "beside the repository, that it is this one (its SHA-256) and that every quoted scenario motivation is",
        "a sentence of it.",
        "",
        "## Literature",
        "",
        *[f"- **{short}**: {full}." for short, full in LITERATURE.items()],
        "",
        "## Public sources, by config file",
        "",
        "Each line is a citation as the file gives it (documents, statements, reports, dates), with the key it",
        "supports. Historical cases (`history/`) cite the record of their time; the mapping rules they name are",
        "those of `docs/history/`.",
        "",
    ]
    for path in sorted(config_dir.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        rows = []
        for key, text in _provenance_texts(data):
            for citation in public_citations(text):
                rows.append(f"- `{key}`: {citation}")
        if rows:
            out += [f"### `{path.relative_to(config_dir)}`", "", *dict.fromkeys(rows), ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    unknown = [a for a in argv if a != "--check"]
    if unknown:
        fail(
            f"unknown argument {unknown[0]!r}: use `python -m sim docs` to write "
            "docs/parameters.md or `python -m sim docs --check` to check it"
        )
    pages = {DOC_PATH: generate(), SOURCES_PATH: generate_sources()}
    if "--check" in argv:
        stale = [path for path, text in pages.items() if (path.read_text() if path.exists() else "") != text]
        for path in stale:
            print(f"{path} is out of date: run `muscat-sim docs`", file=sys.stderr)
        if not stale:
            print(f"{', '.join(map(str, pages))} are up to date")
        return 1 if stale else 0
    for path, text in pages.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(f"wrote {path}")
    return 0
