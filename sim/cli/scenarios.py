"""The scenario catalogue: ``muscat-sim scenarios`` lists the scenarios, one line each.

::

    muscat-sim scenarios                      # name and one-line description of every scenario
    muscat-sim scenarios us_military_buildup  # its resolved parameters (YAML), with what it changes
    muscat-sim scenarios baseline +actors@actors.eu3=eu3 actors.us.trust=0.6   # overrides too
    muscat-sim scenarios --config-dir my_configs          # your own scenarios listed too
    muscat-sim scenarios scenario=mine --config-dir my_configs

Hydra prints the same resolved configuration with
``muscat-sim scenario=NAME --cfg job``. A bad name or override ends in one
line on stderr and exit status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from omegaconf import OmegaConf

from sim.cli.common import EXIT_BAD_INPUT, fail
from sim.config.compose import CONFIG_DIR, compose, known_scenarios, scenario_from_config
from sim.core.params import ConfigError


@dataclass(frozen=True)
class ScenarioInfo:
    """What a scenario file says about itself, and what it changes."""

    name: str
    description: str
    motivation: str
    changes: dict[str, object]  # dotted key -> value set by the scenario file
    provenance: dict[str, str]  # dotted key -> the file's provenance for it
    adds: tuple[str, ...]  # actors the scenario adds through its defaults list


def _leaves(node, prefix: str = "") -> dict[str, object]:
    """Dotted keys of the parameters a scenario file sets (provenance and scenario meta excluded)."""
    out: dict[str, object] = {}
    if not isinstance(node, Mapping):
        return {prefix: node}
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if key in ("provenance", "defaults") or path == "scenario":
            continue
        if isinstance(value, Mapping) and prefix in ("", "actors", "world"):
            out.update(_leaves(value, path))
        else:
            out[path] = value
    return out


def scenario_changes(data: Mapping) -> tuple[dict[str, object], dict[str, str]]:
    """(changes, provenance) of a scenario file's content: each parameter it sets and the file's source for it.

    A parameter is an actor's or the world's field (``actors.us.insists``,
    ``world.unrest``) or a top-level run setting (``max_rounds``); its
    provenance is read from the ``provenance`` mapping beside it in the file.
    """
    changes = _leaves(data)
    provenance: dict[str, str] = {}
    for key, value in changes.items():
        if key in ("agenda.issues", "events.events"):  # lists whose items carry their own `source:`
            sources = [item.get("source") for item in value or [] if isinstance(item, Mapping)]
            if sources and all(sources):
                provenance[key] = "; ".join(map(str, sources))
            continue
        parent, _, leaf = key.rpartition(".")
        node = data
        for part in parent.split(".") if parent else []:
            node = node.get(part, {}) if isinstance(node, Mapping) else {}
        prov = node.get("provenance", {}) if isinstance(node, Mapping) else {}
        if isinstance(prov, Mapping) and prov.get(leaf):
            provenance[key] = str(prov[leaf])
    return changes, provenance


def _read_scenario_file(path: Path) -> dict:
    """A scenario file's content; ConfigError naming the file if it is not UTF-8, not YAML, empty or not a mapping."""
    from sim.config.guards import check_yaml_file

    check_yaml_file(path)  # a FIFO, a "billion laughs" or a 20,000-deep nesting: one line before parsing
    try:
        data = yaml.safe_load(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: byte {exc.start} is not UTF-8 text: save the file as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}{line}: malformed YAML, {problem}: fix the syntax there") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    if data is None:
        raise ConfigError(f"{path}: the scenario file is empty: give it at least `scenario: {{name: ..., description: ...}}`")
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: a scenario file is a mapping (key: value lines), not a {type(data).__name__}")
    return data


def scenario_info(name: str, config_dir: Path = CONFIG_DIR, extra_dirs: list[Path] | None = None) -> ScenarioInfo:
    """Read ``configs/scenario/NAME.yaml``, or a user's folder's (no composition: fast, for listings and docs)."""
    path = next(
        (
            d / "scenario" / f"{name}.yaml"
            for d in [config_dir, *(extra_dirs or [])]
            if (d / "scenario" / f"{name}.yaml").exists()
        ),
        config_dir / "scenario" / f"{name}.yaml",
    )
    data = _read_scenario_file(path)
    meta = data.get("scenario") or {}
    changes, provenance = scenario_changes(data)
    adds = tuple(
        str(key).split("@", 1)[1]
        for entry in data.get("defaults", []) or []
        if isinstance(entry, Mapping)
        for key in entry
        if "@" in str(key)
    )
    return ScenarioInfo(
        name=str(meta.get("name", name)),
        description=str(meta.get("description", "")),
        motivation=str(meta.get("motivation", "")),
        changes=changes,
        provenance=provenance,
        adds=adds,
    )


def catalogue(config_dir: Path = CONFIG_DIR, *, skip_broken: bool = False, extra_dirs: list[Path] | None = None):
    """Every scenario (the package's and those of ``extra_dirs``), baseline first, then by name.

    With ``skip_broken``, returns ``(infos, broken)``: the scenarios that could
    be read and a one-line ConfigError message for each file that could not.
    """
    every = set(known_scenarios(config_dir)).union(*(known_scenarios(d) for d in extra_dirs or []))
    names = sorted(every, key=lambda n: (n != "baseline", n))
    if not skip_broken:
        return [scenario_info(n, config_dir, extra_dirs) for n in names]
    infos, broken = [], []
    for name in names:
        try:
            infos.append(scenario_info(name, config_dir, extra_dirs))
        except ConfigError as exc:
            broken.append(str(exc))
    return infos, broken


def format_listing(config_dir: Path = CONFIG_DIR, broken: list[str] | None = None, extra_dirs: list[Path] | None = None) -> str:
    """The listing of every scenario that can be read; the messages of those that cannot are appended to ``broken``."""
    infos, bad = catalogue(config_dir, skip_broken=True, extra_dirs=extra_dirs)
    if broken is not None:
        broken.extend(bad)
    width = max((len(i.name) for i in infos), default=0)
    lines = [f"{i.name:<{width}}  {i.description}" for i in infos]
    lines.append("")
    lines.append("Run one:        muscat-sim scenario=NAME replications=10000 seed=7")
    lines.append("Its parameters: muscat-sim scenarios NAME   (or: muscat-sim scenario=NAME --cfg job)")
    return "\n".join(lines)


def format_resolved(name: str, overrides: list[str] | None = None, config_dir: Path = CONFIG_DIR) -> str:
    """The resolved configuration of one scenario (validated), as YAML, headed by what the scenario changes."""
    from sim.config.compose import user_dirs

    overrides = [f"scenario={name}", *(overrides or [])]
    cfg = compose(overrides, config_dir)
    scenario_from_config(cfg, [o for o in overrides if not o.startswith("hydra.searchpath")], config_dir)
    info = scenario_info(name, config_dir, user_dirs(overrides))
    head = [f"# {info.name}: {info.description}", f"# motivation: {info.motivation}"]
    if info.changes:
        head.append("# changes from the baseline files:")
        head.extend(f"#   {key} = {value}" for key, value in info.changes.items())
    if info.adds:
        head.append(f"# adds actors: {', '.join(info.adds)}")
    return "\n".join(head) + "\n" + OmegaConf.to_yaml(cfg, resolve=True)


EPILOG = """\
Examples:
  muscat-sim scenarios
  muscat-sim scenarios us_military_buildup
  muscat-sim scenarios baseline +actors@actors.eu3=eu3 actors.us.trust=0.6
  muscat-sim scenarios --config-dir my_configs
  muscat-sim scenarios mine --config-dir my_configs
"""


def main(argv: list[str] | None = None) -> int:
    from sim.cli.common import OVERRIDES_HELP, CommandParser, user_overrides
    from sim.config.compose import user_dirs
    from sim.config.layout import scenario_of
    from sim.config.overrides import is_override

    parser = CommandParser("scenarios", "The scenario catalogue: list the scenarios, or show one's resolved parameters.", EPILOG)
    parser.add_overrides("a scenario's name, then " + OVERRIDES_HELP, metavar="[NAME] KEY=VALUE")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        given = list(args.overrides)
        if given and not is_override(given[0]):
            given[0] = f"scenario={given[0]}"
        overrides = user_overrides(given, args.config_dir)
        extra = user_dirs(overrides)
        if not given:
            broken: list[str] = []
            print(format_listing(broken=broken, extra_dirs=extra))
            for message in broken:
                print(f"error: {message}", file=sys.stderr)
            return EXIT_BAD_INPUT if broken else 0
        name = scenario_of(given)
        known = sorted(set(known_scenarios()).union(*(known_scenarios(d) for d in extra)))
        if name not in known:
            raise ConfigError(f"unknown scenario {name!r}: known scenarios are {', '.join(known)}")
        print(format_resolved(name, [o for o in overrides if not o.startswith("scenario=")]), end="")
    except ConfigError as exc:
        fail(str(exc))
    return 0
