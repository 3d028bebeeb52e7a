"""Solara's front-end files: which packages, the proxy cache's layout, a fetch that is quick when done."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from sim.app import assets

#: A file of each package that the page loads through /_solara/cdn/ (Vue 2 app, ipywidgets 8).
LOADED = {
    "@widgetti/solara-vuetify-app@10.1.1": ("dist/solara-vuetify-app8.js", "dist/main8.css", "dist/fonts.css"),
    "@widgetti/vue-grid-layout@2.3.13-alpha.2": ("dist/vue-grid-layout.umd.js",),
    "requirejs@2.3.6": ("require.js",),
    "font-awesome@4.5.0": ("css/font-awesome.min.css",),
}


def test_the_installed_solara_asks_for_the_packages_the_fetch_brings():
    # A Solara upgrade that names other versions changes this list: then PINNED and LOADED need updating.
    assert assets.required_packages() == assets.PINNED == tuple(LOADED)


def test_the_cache_that_make_test_filled_has_every_file_a_page_loads():
    directory = Path(os.environ.get(assets.ENV) or assets.default_directory())
    for package, files in LOADED.items():
        for name in files:
            assert (directory / package / name).is_file(), f"run `python -m sim.app.assets`: {package}/{name} missing"


def _tarball(path: Path, files: dict[str, str]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_fetch_unpacks_each_npm_tarball_where_solaras_proxy_looks(tmp_path, monkeypatch):
    calls = []

    def fake_npm(command, **kwargs):
        calls.append(command)
        destination = Path(command[command.index("--pack-destination") + 1])
        for spec in command[command.index("--pack-destination") + 2 :]:
            name, version = spec.rsplit("@", 1)
            files = {"package.json": json.dumps({"name": name, "version": version}), "dist/app.js": f"// {spec}"}
            _tarball(destination / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz", files)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(assets.subprocess, "run", fake_npm)
    monkeypatch.setattr(assets, "_npm", lambda: "npm")
    packages = ("@scope/app@1.2.3", "plain@0.1.0-alpha.2")
    directory = assets.fetch(tmp_path / "cache", packages)
    assert (directory / "@scope" / "app@1.2.3" / "dist" / "app.js").read_text() == "// @scope/app@1.2.3"
    assert (directory / "plain@0.1.0-alpha.2" / "package.json").is_file()
    assert sorted(p.name for p in directory.iterdir()) == ["@scope", "plain@0.1.0-alpha.2"]  # no temporary folder left
    assert assets.fetch(tmp_path / "cache", packages) == directory
    assert len(calls) == 1  # the second fetch found everything and ran no npm


def test_a_failed_npm_pack_leaves_nothing_that_looks_complete(tmp_path, monkeypatch):
    def failing(command, **kwargs):
        raise subprocess.CalledProcessError(1, command)

    monkeypatch.setattr(assets.subprocess, "run", failing)
    monkeypatch.setattr(assets, "_npm", lambda: "npm")
    with pytest.raises(subprocess.CalledProcessError):
        assets.fetch(tmp_path / "cache", ("requirejs@2.3.6",))
    assert not (tmp_path / "cache" / "requirejs@2.3.6").exists()
    assert assets.main([str(tmp_path / "cache")]) == 1


def test_use_local_assets_points_solara_at_a_full_cache_and_respects_an_explicit_setting(tmp_path, monkeypatch):
    monkeypatch.setenv(assets.ENV, "recorded")  # so that the value use_local_assets sets is undone afterwards
    monkeypatch.delenv(assets.ENV)
    assert assets.use_local_assets(tmp_path / "empty") is None
    assert assets.ENV not in os.environ
    for package in assets.required_packages():
        (tmp_path / "full" / package).mkdir(parents=True)
        (tmp_path / "full" / package / "package.json").write_text("{}")
    assert assets.use_local_assets(tmp_path / "full") == tmp_path / "full"
    assert os.environ[assets.ENV] == str(tmp_path / "full")
    monkeypatch.setenv(assets.ENV, "/somewhere/else")
    assert assets.use_local_assets(tmp_path / "full") == Path("/somewhere/else")
