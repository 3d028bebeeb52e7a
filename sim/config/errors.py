"""Composition errors translated into one line: where a value was set, the key, and the fix.

Hydra, OmegaConf and YAML report a bad configuration in many lines (and many shapes); each function here
turns one kind into the line of a :class:`~sim.core.params.ConfigError`, naming the override on the
command line or the file under ``configs/`` (:func:`locate`), the key and what to write instead.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.config import schema
from sim.config.catalogue import CONFIG_DIR, GROUPS, _options, known_actors
from sim.config.overrides import override_key, override_value, split_bare
from sim.core.params import (
    ConfigError,
)


def _plain(node):
    return OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig | ListConfig) else node


def suggest(key: str, known) -> str:
    """'did you mean X?' for the closest known name, or the list of known names."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"known keys: {', '.join(sorted(known))}"


# --------------------------------------------------------------- where a value was set


def _display(path: Path) -> str:
    """A config file as the user would type it: relative to the working directory when inside it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def group_choices(overrides: list[str] | None = None, config_dir: Path = CONFIG_DIR) -> dict[str, str]:
    """Which file fills each package: {'actors.us': 'actors/us', 'world': 'world/muscat_2026', 'scenario': ...}.

    Read from the defaults lists of ``config.yaml`` and of the selected
    scenario, then the group overrides of the command line (``scenario=X``,
    ``+actors@actors.eu3=eu3``, ``world=other``).
    """
    import yaml

    def defaults_of(path: Path) -> list:
        try:
            return (yaml.safe_load(path.read_text()) or {}).get("defaults", []) or []
        except (OSError, UnicodeDecodeError, yaml.YAMLError, AttributeError):
            return []

    choices: dict[str, str] = {}

    def apply(entry) -> None:
        if not isinstance(entry, Mapping):
            return
        for key, option in entry.items():
            key = str(key).replace("override ", "").strip().lstrip("/")
            group, _, package = key.partition("@")
            if group in ("hydra",) or group.startswith("hydra/"):
                continue
            choices[package or group] = f"{group}/{option}"

    for entry in defaults_of(config_dir / "config.yaml"):
        apply(entry)
    group_overrides = [
        o
        for o in overrides or []
        if "=" in o and not o.startswith("~") and override_key(o).split("@")[0] in ("scenario", "actors", *GROUPS)
    ]
    for o in group_overrides:
        if override_key(o) == "scenario":
            apply({"scenario": override_value(o)})
    scenario = choices.get("scenario")
    if scenario:
        for entry in defaults_of(config_dir / f"{scenario}.yaml"):
            apply(entry)
    for o in group_overrides:
        apply({override_key(o): override_value(o)})
    return choices


def _sets(path: Path, key: str) -> bool:
    """Whether the YAML file at ``path`` sets ``key`` (dotted, from the root of the file's package)."""
    import yaml

    try:
        node = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def locate(key: str, overrides: list[str] | None = None, config_dir: Path = CONFIG_DIR) -> str:
    """Where the value at dotted ``key`` was set: 'override K=V' or a config file path."""
    overrides = list(overrides or [])
    for o in reversed(overrides):
        k = override_key(o)
        if "@" not in k and "=" in o and (key == k or key.startswith(k + ".") or k.startswith(key + ".")):
            return f"override {o}"
    choices = group_choices(overrides, config_dir)
    scenario = choices.get("scenario")
    if scenario and key and _sets(config_dir / f"{scenario}.yaml", key):
        return _display(config_dir / f"{scenario}.yaml")
    parts = key.split(".")
    for n in range(len(parts), 0, -1):
        package = ".".join(parts[:n])
        if package in choices and package != "scenario":
            return _display(config_dir / f"{choices[package]}.yaml")
    return _display(config_dir / "config.yaml")


def _key_of(message: str) -> str:
    """The dotted key a one-line message starts with ('actors.us.trust = 1.5 is ...' -> 'actors.us.trust')."""
    match = re.match(r"[A-Za-z_][\w\-]*(?:\.[\w\-]+|\[\d+\])*", message)
    return re.sub(r"\[\d+\]", "", match.group(0)) if match else ""


def _in_actor_terms(message: str, names: dict[str, str]) -> str:
    """Rewrite a message of Scenario.validate from actor names ('US.trust') to config keys ('actors.us.trust')."""
    for name, key in sorted(names.items(), key=lambda kv: -len(kv[0])):
        for sep in (".", " "):
            if message.startswith(name + sep):
                return f"actors.{key}{sep}{message[len(name) + 1 :]}"
    return message


def interpolation_error(exc: BaseException, overrides: list[str] | None = None, config_dir: Path = CONFIG_DIR) -> str:
    """One line for an interpolation that cannot be resolved: where it is, what is wrong, the fix."""
    key = str(getattr(exc, "full_key", "") or "")
    where = locate(key, list(overrides or []), config_dir) if key else "a config value"
    problem = " ".join((str(exc).splitlines() or [type(exc).__name__])[0].split())[:200]
    if isinstance(exc, RecursionError) or "recursion" in problem.lower():
        problem = "the interpolation refers to itself (a loop)"
    return f"{where}: {key or 'a value'}: cannot resolve its ${{...}} interpolation ({problem}): fix or remove it"


def _blame_override(message: str, overrides: list[str]) -> str | None:
    """The override that most likely caused a semantic error, when the message names no key of its own.

    ``agenda.issues=[]`` -> 'the agenda has no issues: ... agenda.issues';
    ``events.events.0.hazard=1.5`` -> 'events.protests_flare.hazard = 1.5 ...'
    (same group, same field, same value); ``~actors.us`` -> 'needs exactly two
    principals' (see scenario_from_config: a deletion is the likeliest cause of a missing part).
    """
    user = [o for o in overrides if not override_key(o).startswith("hydra") and not o.startswith("scenario=")]
    # the problem, not the hint after it: "experiment is not a top-level key: known keys: ..., replications, ..."
    problem = re.split(r"(?:known \w+(?: \w+)?(?: are)?:|did you mean)", message)[0]
    for o in reversed(user):
        key = override_key(o)
        if re.search(rf"(?<![\w.]){re.escape(key)}(?![\w])", problem) and ("=" in o or o.startswith("~")):
            return o
    named = _key_of(message).split(".")
    for o in reversed(user):
        key, value = split_bare(o)
        parts = key.split(".")
        if (
            value
            and len(named) > 1
            and parts[0] == named[0]
            and parts[-1] == named[-1]
            and re.search(rf"= {re.escape(value)}\b", message)
        ):
            return o
    return None


def _chain(exc: BaseException | None) -> list[BaseException]:
    out: list[BaseException] = []
    while exc is not None and exc not in out:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__
    return out


def _yaml_error(err, config_dir: Path) -> str:
    mark = err.problem_mark
    where = _display(Path(mark.name)) if mark is not None and mark.name and Path(mark.name).exists() else "a config file"
    line_no = mark.line + 1 if mark is not None else 0
    text = ""
    if mark is not None and Path(mark.name).exists():
        lines = Path(mark.name).read_text().splitlines()
        if 0 < line_no <= len(lines):
            text = f" ({lines[line_no - 1].strip()!r})"
    problem = err.problem or str(err).splitlines()[0]
    context = ""
    if getattr(err, "context", None):
        opened = f" opened at line {err.context_mark.line + 1}" if err.context_mark is not None else ""
        context = f" ({err.context.removeprefix('while ')}{opened})"
    return (
        f"{where}, line {line_no}{text}: malformed YAML, {problem}{context}: "
        "fix the syntax there (close every [ ] and { }, quote text that holds ': ', indent with spaces)"
    )


def user_dirs(overrides: list[str]) -> list[Path]:
    """Users' config folders (``hydra.searchpath=[file://DIR]``, which ``--config-dir`` adds), in search order."""
    return [Path(m) for o in overrides if override_key(o) == "hydra.searchpath" for m in re.findall(r"file://([^,\]'\"]+)", o)]


def _config_file(name: str, config_dir: Path, overrides: list[str]) -> str:
    """The file Hydra read for config ``name`` ('scenario/mine'): in a user's folder if it is there, else the package's."""
    found = [d / f"{name}.yaml" for d in [*user_dirs(overrides), Path(config_dir)] if (d / f"{name}.yaml").exists()]
    return _display(found[0] if found else Path(config_dir) / f"{name}.yaml")


def _encoding_error(err: UnicodeDecodeError, config_dir: Path, overrides: list[str]) -> str:
    """A config file that is not UTF-8: name it (the decoder does not), in users' folders first, then the package's."""
    for path in [p for d in [*user_dirs(overrides), Path(config_dir)] for p in sorted(d.rglob("*.yaml"))]:
        try:
            path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as bad:
            return f"{_display(path)}: byte {bad.start} is not UTF-8 text ({bad.reason}): save the file as UTF-8"
        except OSError:
            continue
    return f"a config file is not UTF-8 text ({err.reason}): save it as UTF-8"


def _unknown_key_hint(key: str, overrides: list[str], config_dir: Path) -> str:
    """'did you mean X?' for a dotted key that is not in the composed configuration."""
    from sim.config.compose import compose  # composing is the caller's job: imported here, where it is needed

    clean = [o for o in overrides if override_key(o) != key]
    try:  # composed without the offending override (none to drop: the same error again, so no hint)
        base = _plain(compose(clean, config_dir)) if len(clean) < len(overrides) else None
    except ConfigError:
        base = None
    parts = key.split(".")
    node, depth = base, 0
    while isinstance(node, Mapping) and depth < len(parts) and parts[depth] in node:
        node, depth = node[parts[depth]], depth + 1
    parent = ".".join(parts[:depth])
    if parent == "actors" and depth < len(parts):
        actor = parts[depth]
        known = sorted(node) if isinstance(node, Mapping) else []
        close = difflib.get_close_matches(actor, known, n=1, cutoff=0.6)
        if close:
            return f"no actor {actor!r} in the configuration, did you mean 'actors.{close[0]}'?"
        return (
            f"no actor {actor!r} in the configuration (actors: {', '.join(known)}): add one with "
            f"+actors@actors.{actor}=FILE, FILE one of {', '.join(known_actors(config_dir))}"
        )
    if isinstance(node, Mapping) and node:
        close = difflib.get_close_matches(parts[depth] if depth < len(parts) else "", list(node), n=1, cutoff=0.6)
        prefix = f"{parent}." if parent else ""
        if close:
            return f"did you mean {prefix + close[0]!r}?"
        return f"known keys under {parent or 'the root'}: {', '.join(map(str, node))}"
    return "see docs/parameters.md for the parameters"


def _schema_hint(unknown: str, object_type: str, key: str = "") -> str:
    cls = getattr(schema, object_type, None)
    fields = [f.name for f in dataclasses.fields(cls)] if dataclasses.is_dataclass(cls) else []
    close = difflib.get_close_matches(unknown, fields, n=1, cutoff=0.6)
    if close:
        parent = key.rsplit(".", 1)[0] + "." if "." in key else ""
        return f"did you mean {parent + close[0]!r}?"
    return f"known parameters: {', '.join(fields)}" if fields else "see docs/parameters.md"


def _wrong_type_fix(text: str) -> str:
    if "Integer" in text:
        return "use a whole number"
    if "Float" in text:
        return "use a number"
    if "Boolean" in text or "bool" in text:
        return "use true or false"
    if "ListConfig" in text or "list or tuple" in text:
        return "use a list [a, b, ...] (a red line is [low, high])"
    if "DictConfig" in text or "dict" in text.lower():
        return "use a mapping {key: value}"
    return "see docs/parameters.md for its type"


def explain_compose_error(exc: BaseException, overrides: list[str] | None = None, config_dir: Path = CONFIG_DIR) -> str:
    """One line for a composition error: the override or file, the key and the fix."""
    import yaml

    overrides = list(overrides or [])
    chain = _chain(exc)
    for err in chain:
        if isinstance(err, yaml.MarkedYAMLError):
            return _yaml_error(err, config_dir)
        if isinstance(err, UnicodeDecodeError):
            return _encoding_error(err, config_dir, overrides)
    texts = [str(e) for e in chain]
    full = "\n".join(texts)
    keyless = next((o for o in overrides if o.startswith("=")), None)
    if keyless is not None:
        return f"override {keyless!r} has no key: write key=value"

    return (
        _unknown_option(full, overrides, config_dir)
        or _unknown_override(full, overrides, config_dir)
        or _bad_value(exc, texts, overrides, config_dir)
    )


def _unknown_option(full: str, overrides: list[str], config_dir: Path) -> str | None:
    """A group option that does not exist (``scenario=nope``, ``+actors@actors.eu4=eu4``); None for other errors."""
    missing = re.search(r"Could not (?:find|load) '([\w/]+)/([^']+)'", full)
    if missing:
        group, option = missing.group(1), missing.group(2)
        by = next(
            (o for o in overrides if "=" in o and override_key(o).split("@")[0] == group and override_value(o) == option), None
        )
        origin = re.search(r"In '([^']+)'", full)
        where = f"override {by}" if by else _config_file(origin.group(1), config_dir, overrides) if origin else "configs"
        if option.endswith("_schema"):
            return (
                f"{where}: extends {option!r}, which is not a schema: use one of "
                f"{', '.join(sorted(n for n in schema.SCHEMA_NAMES if n != 'config_schema'))}"
            )
        what = {"scenario": "scenario", "actors": "actor"}.get(group, f"{group} option")
        known = _options(group, config_dir)
        close = difflib.get_close_matches(option, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        add = f"; or add configs/{group}/{option}.yaml" if group != "scenario" else ""
        return f"{where}: unknown {what} {option!r}{hint}: known {what}s are {', '.join(known)}{add}"
    return None


def _unknown_override(full: str, overrides: list[str], config_dir: Path) -> str | None:
    """An override of a key that does not exist (``actors.us.trus=0.4``), a '+' on a key that exists, a '~' on a missing one."""
    unknown = re.search(r"Could not override '([^']+)'", full)
    if unknown:
        key = unknown.group(1)
        by = next((o for o in overrides if override_key(o) == key), None)
        origin = re.search(r"In '([^']+)'", full)
        if by is None and origin:  # an `override /GROUP: OPTION` of a file's defaults list
            did_you_mean = re.search(r"Did you mean (to override [^?\n]+)\?", full)
            fix = f"did you mean {did_you_mean.group(1)}?" if did_you_mean else "fix or remove that entry"
            where = _config_file(origin.group(1), config_dir, overrides)
            return f"{where}: its defaults list overrides {key!r}, which the configuration has no default for: {fix}"
        return f"override {by or key}: unknown parameter {key!r}: {_unknown_key_hint(key, overrides, config_dir)}"
    if "Could not append to config" in full:
        key = re.search(r"An item is already at '([^']+)'", full)
        by = next((o for o in overrides if key and override_key(o) == key.group(1)), "")
        return f"override {by}: {key.group(1) if key else 'the key'} already exists: drop the '+' (write {by.lstrip('+')})"
    if "Could not delete from config" in full:
        key = re.search(r"'([^']+)'", full)
        name = key.group(1) if key else "?"
        by = next((o for o in overrides if override_key(o) == name), f"~{name}")
        return f"override {by}: {name!r} is not in the configuration, nothing to delete: check the key's spelling"
    return None


def _bad_value(exc: BaseException, texts: list[str], overrides: list[str], config_dir: Path) -> str:
    """A value of the wrong type or missing, from an override or a file; a malformed override; else the first line."""
    full = "\n".join(texts)
    text = texts[0].strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    full_key = re.search(r"full_key: (\S+)", full)
    key = re.sub(r"\[\d+\]", "", full_key.group(1)) if full_key else ""
    merging = re.search(r"Error merging override (\S+)", full)
    in_file = re.search(r"In '([^']+)'", full)
    where = (
        f"override {merging.group(1)}"
        if merging
        else (_config_file(in_file.group(1), config_dir, overrides) if in_file else locate(key, overrides, config_dir))
    )
    key_error = re.search(r"Key '([^']+)' (?:not in|is not in struct)", full)
    if key_error:
        object_type = re.search(r"object_type=(\w+)", full)
        hint = _schema_hint(key_error.group(1), object_type.group(1) if object_type else "", key)
        return f"{where}: unknown parameter {key or key_error.group(1)!r}: {hint}"
    if re.search(
        r"could not be converted|Invalid value assigned|Invalid type assigned|is not a subclass|"
        r"Value '.*' is not a valid",
        full,
    ):
        value = re.search(r"Value '([^']*)'", full)
        shown = f" = {value.group(1)!r}" if value else ""
        detail = next((t for t in texts if "full_key" in t), full)
        return f"{where}: {key or 'a value'}{shown} has the wrong type: {_wrong_type_fix(detail)}"
    if "mandatory value" in full.lower() or "Missing mandatory" in full:
        return f"{where}: {key} has no value: give it one"
    if "LexerNoViableAlt" in full:  # a character the override grammar has no place for (unicode junk, a stray quote)
        odd = next((o for o in overrides if any(not (c.isascii() and c.isprintable()) for c in o)), None)
        if odd is not None:
            char = next(c for c in odd if not (c.isascii() and c.isprintable()))
            return (
                f"override {odd!r}: character {char!r} cannot appear in an override: quote a text value (key='text') or remove it"
            )
        return f"malformed override: {first.split(': ', 1)[-1]}: write overrides as key=value (quote text: key='text')"
    if "OverrideParseException" in type(exc).__name__ or "mismatched input" in full or "no viable" in full:
        return f"malformed override: {first}; write overrides as key=value (lists as key=[a,b])"
    return f"{where if key else 'configuration'}: {' '.join(first.split())[:300]}"
