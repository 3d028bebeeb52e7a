"""OmegaConf's YAML parse, memoised by the text parsed: the tests compose the same config files thousands of times.

Hydra reads every file of a composition with ``OmegaConf.load``, which parses it with PyYAML's pure-Python loader
(about a quarter of a composition's CPU time). :func:`install` wraps ``yaml.load`` so that a parse with OmegaConf's
loader (``omegaconf._utils.get_yaml_loader``) of a text already parsed returns a deep copy of the first result: the
same text through the same loader gives the same plain dicts, lists and scalars, so nothing a composition does or
reports changes. The key is the whole text, never a path or a time: a file changed by a test (a user's scenario
rewritten, a broken file) is a new text and is parsed afresh; a parse that fails raises as before and is not kept.
Any other loader (MkDocs', a test's own) is passed through untouched. ``MUSCAT_TESTS_NO_YAML_CACHE=1`` turns it off.

The pytest process installs it (tests/conftest.py), and so does the forking server of tests/forked.py, which also
parses every file under configs/ once before it forks, so each forked ``python -m sim`` starts with them parsed.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
from pathlib import Path

import yaml

_CACHE: dict[str, object] = {}
_ORIGINAL = yaml.load


def _omegaconf_loader(loader) -> bool:
    return getattr(loader, "__name__", "") == "OmegaConfLoader" and getattr(loader, "__module__", "") == "omegaconf._utils"


def _load(stream, Loader=None):  # yaml.load's own signature
    if not _omegaconf_loader(Loader) or not (isinstance(stream, str) or hasattr(stream, "read")):
        return _ORIGINAL(stream, Loader=Loader)
    text = stream if isinstance(stream, str) else stream.read()
    if not isinstance(text, str):  # a binary stream: parsed as before, not kept
        return _ORIGINAL(_named(io.BytesIO(text), stream), Loader=Loader)
    if text not in _CACHE:  # parsed from a stream of the same name, so an error names the same file
        _CACHE[text] = _ORIGINAL(text if isinstance(stream, str) else _named(io.StringIO(text), stream), Loader=Loader)
    return copy.deepcopy(_CACHE[text])


def _named(copy_of, stream):
    if hasattr(stream, "name"):
        copy_of.name = stream.name
    return copy_of


def install() -> None:
    """Wrap ``yaml.load`` (once; not when ``MUSCAT_TESTS_NO_YAML_CACHE`` is set)."""
    if os.environ.get("MUSCAT_TESTS_NO_YAML_CACHE") or yaml.load is _load:
        return
    yaml.load = _load


def warm(root: Path) -> None:
    """Parse every ``*.yaml`` under ``root`` once, as OmegaConf would (a file that does not parse is left out)."""
    from omegaconf._utils import get_yaml_loader

    for path in sorted(root.rglob("*.yaml")):
        with contextlib.suppress(yaml.YAMLError, UnicodeDecodeError):
            _load(path.read_text(encoding="utf-8"), Loader=get_yaml_loader())
