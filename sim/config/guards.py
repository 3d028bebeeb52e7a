"""Guards on what users' config files and names may hold, checked before anything is parsed or written.

- :func:`check_yaml_file`: a YAML file is read only if it is a regular file of
  at most :data:`MAX_YAML_BYTES`, nested at most :data:`MAX_YAML_DEPTH` deep
  (counted on the token stream, which needs no recursion) and expanding, with
  its aliases, to at most :data:`MAX_YAML_NODES` nodes (a "billion laughs"
  file is refused instead of filling the memory).
- :func:`check_name`: a name that ends up in a path (a scenario's name, a
  config group's option) is a label: letters, digits and ``_ . + -``, never a
  path, never ``..`` and never an interpolation (``${oc.env:...}``).

Every refusal is a :class:`~sim.core.params.ConfigError`: one line naming the
file or the value and the fix.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path

from sim.core.params import ConfigError

MAX_YAML_BYTES = 1_000_000
MAX_YAML_DEPTH = 64
MAX_YAML_NODES = 200_000
#: A name fit for one path component: starts with a letter or digit, at most 100 characters.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")
_CHECKED: dict[str, tuple[int, int]] = {}


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def check_yaml_file(path: str | Path) -> None:
    """ConfigError (one line naming the file) if ``path`` is not a regular file or its YAML exceeds the limits."""
    path = Path(path)
    info = _regular_file(path)
    stamp = (info.st_size, info.st_mtime_ns)
    if _CHECKED.get(str(path)) == stamp:
        return
    text = _read_text(path, info.st_size)
    if text is None:
        return  # the composition names a file that is not UTF-8 (sim.config.errors._encoding_error)
    aliases = _nesting_checked(path, text)
    if aliases is None or (aliases and not _aliases_checked(path, text)):
        return  # malformed: the composition names the line (sim.config.errors._yaml_error)
    _CHECKED[str(path)] = stamp


def _regular_file(path: Path) -> os.stat_result:
    """``path``'s status; ConfigError if it cannot be read or is not a regular file."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ConfigError(f"{_display(path)}: cannot be read ({exc.strerror}): check the file") from None
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(
            f"{_display(path)}: not a regular file (a FIFO, a device or a folder): remove it from the config folder"
        )
    return info


def _read_text(path: Path, size: int) -> str | None:
    """The file's text (None if it is not UTF-8); ConfigError if it is too large or cannot be read."""
    if size > MAX_YAML_BYTES:
        raise ConfigError(
            f"{_display(path)}: {size:,} bytes, more than the {MAX_YAML_BYTES:,} a config file may hold: "
            "split it or remove what is not configuration"
        )
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return None
    except OSError as exc:
        raise ConfigError(f"{_display(path)}: cannot be read ({exc.strerror}): check the file") from None


def _too_deep(path: Path, line: int) -> ConfigError:
    return ConfigError(
        f"{_display(path)}, line {line}: nested more than {MAX_YAML_DEPTH} levels deep: "
        "a config file this deep is not configuration; flatten it"
    )


def _nesting_checked(path: Path, text: str) -> bool | None:
    """Whether the YAML uses aliases (None: it is malformed); ConfigError if nested deeper than MAX_YAML_DEPTH."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = deepest = 0
    opening = (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken, yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)
    closing = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)
    aliases = False
    try:
        for token in yaml.scan(text, Loader=loader):
            if isinstance(token, opening):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise _too_deep(path, token.start_mark.line + 1 if token.start_mark is not None else 0)
                deepest = max(deepest, depth)
            elif isinstance(token, closing):
                depth -= 1
            elif isinstance(token, yaml.AliasToken):
                aliases = True
    except yaml.YAMLError as exc:
        if "nesting depth" in str(exc) or "depth" in str(getattr(exc, "problem", "") or ""):  # libyaml's own limit
            mark = getattr(exc, "problem_mark", None)
            raise _too_deep(path, mark.line + 1 if mark is not None else 0) from None
        return None
    return aliases


def _aliases_checked(path: Path, text: str) -> bool:
    """False if the YAML cannot be composed; ConfigError if its aliases expand past MAX_YAML_NODES values."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return False
    if root is not None and _expanded_size(root) > MAX_YAML_NODES:
        raise ConfigError(
            f"{_display(path)}: its aliases (*name) expand to more than {MAX_YAML_NODES:,} values: "
            "a file that multiplies itself is refused; write the values out"
        )
    return True


def _expanded_size(root) -> int:
    """How many nodes a YAML node graph holds once every alias is expanded (memoised: linear in the graph)."""
    import yaml

    sizes: dict[int, int] = {}
    # An iterative post-order walk: children before parents.
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            sizes[id(node)] = 1
            continue
        if ready:
            sizes[id(node)] = min(1 + sum(sizes.get(id(c), 1) for c in children), 10 * MAX_YAML_NODES)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def check_config_dirs(dirs: Iterable[str | Path]) -> None:
    """Every YAML file of users' config folders within the limits (:func:`check_yaml_file`)."""
    for directory in dirs:
        root = Path(directory)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.yaml")):
            check_yaml_file(path)


def is_safe_name(name: object) -> bool:
    return isinstance(name, str) and SAFE_NAME.fullmatch(name) is not None and ".." not in name


def check_name(name: object, what: str, fix: str = "") -> str:
    """``name`` if it is a label fit for a folder name; ConfigError in one line otherwise."""
    if isinstance(name, str) and "${" in name:
        raise ConfigError(f"{what} = {name!r} holds an interpolation: a name is a plain label, write it out")
    if not is_safe_name(name):
        hint = f" ({fix})" if fix else ""
        raise ConfigError(
            f"{what} = {name!r} is not a plain name: it is used in folder names, so use letters, digits and _ . + - "
            f"only, starting with a letter or digit, at most 100 characters{hint}"
        )
    return str(name)
