"""The tests' YAML cache (tests/yaml_cache.py) changes nothing a composition gives: same trees, new text re-read."""

from __future__ import annotations

import shutil

import pytest
import yaml
from omegaconf import OmegaConf

from sim.config.compose import CONFIG_DIR, compose
from sim.config.errors import ConfigError
from tests import yaml_cache


def test_every_config_file_loads_to_the_same_tree_as_without_the_cache(monkeypatch):
    yaml_cache.install()
    files = sorted(CONFIG_DIR.rglob("*.yaml"))
    cached = [OmegaConf.to_container(OmegaConf.load(f)) for f in files]
    monkeypatch.setattr(yaml, "load", yaml_cache._ORIGINAL)
    assert cached == [OmegaConf.to_container(OmegaConf.load(f)) for f in files]


def _configs(tmp_path):
    """A copy of configs/ to add a file to."""
    return shutil.copytree(CONFIG_DIR, tmp_path / "configs")


def test_a_rewritten_file_is_read_afresh_and_a_returned_tree_is_a_copy(tmp_path):
    yaml_cache.install()
    root = _configs(tmp_path)
    mine = root / "world" / "mine.yaml"
    text = (root / "world" / "muscat_2026.yaml").read_text()
    assert "\ntension: 0.6\n" in text
    for tension in (0.25, 0.75, 0.25):
        mine.write_text(text.replace("\ntension: 0.6\n", f"\ntension: {tension}\n"))
        assert compose(["world=mine"], root).world.tension == tension
    first = OmegaConf.load(mine)
    first.tension = 9.0  # a caller changing its tree does not change the next caller's
    assert OmegaConf.load(mine).tension == 0.25


def test_a_file_that_does_not_parse_is_refused_as_before_naming_it(tmp_path):
    yaml_cache.install()
    root = _configs(tmp_path)
    (root / "world" / "mine.yaml").write_text("world: [0.1,\n")
    with pytest.raises(ConfigError) as info:
        compose(["world=mine"], root)
    assert "mine.yaml" in str(info.value)
