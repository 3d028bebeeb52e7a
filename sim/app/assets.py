"""Solara's front-end files, served locally: ``python -m sim.app.assets [DIR]``.

A Solara page loads its JavaScript and CSS from a public CDN through the
server's proxy (``/_solara/cdn/<npm package>@<version>/<file>``), which caches
what it fetched in ``SOLARA_ASSETS_PROXY_CACHE_DIR``. Where the CDN cannot be
reached (these machines, CI), the page stays blank unless that cache already
holds the files. This module fills it from the npm registry with ``npm pack``:
each package unpacked into ``DIR/<name>@<version>/`` (scoped names keep their
``@scope/`` folder), which is the layout of Solara's proxy cache
(``solara/server/cdn_helper.py``). The package versions are read from the
installed Solara's own templates, so an upgrade of Solara fetches what it
needs; ``PINNED`` is what Solara 1.64 asks for.

:func:`use_local_assets` points Solara at the folder (before Solara is
imported); the app's command, the tests and the notebook call it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib.util import find_spec
from pathlib import Path

ENV = "SOLARA_ASSETS_PROXY_CACHE_DIR"

#: What Solara 1.64 (Vue 2 app, ipyvue < 2) loads from the CDN.
PINNED = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
)

#: Where Solara names each package: (file under the solara package, pattern of the package@version).
SOURCES = (
    ("server/templates/solara.html.j2", r"@widgetti/solara-vuetify-app@[0-9][\w.-]*"),
    ("widgets/vue/gridlayout.vue", r"@widgetti/vue-grid-layout@[0-9][\w.-]*"),
    ("server/templates/solara.html.j2", r"requirejs@[0-9][\w.-]*"),
    ("server/settings.py", r"font-awesome@[0-9][\w.-]*"),
)


def default_directory() -> Path:
    """``.cache/solara-assets`` of the source tree (an editable install), else the user's cache folder."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").exists():
        return root / ".cache" / "solara-assets"
    return Path.home() / ".cache" / "muscat-sim" / "solara-assets"


def required_packages() -> tuple[str, ...]:
    """The npm packages (``name@version``) the installed Solara loads from the CDN for a page."""
    spec = find_spec("solara")
    if spec is None or not spec.submodule_search_locations:
        return PINNED
    root = Path(next(iter(spec.submodule_search_locations)))
    found = []
    for relative, pattern in SOURCES:
        path = root / relative
        match = re.search(pattern, path.read_text()) if path.exists() else None
        if match is None:
            return PINNED
        found.append(match.group(0))
    return tuple(found)


def _present(directory: Path, package: str) -> bool:
    return (directory / package / "package.json").exists()


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch Solara's front-end files: install Node.js (apt-get install -y npm)")
    return npm


def fetch(directory: str | Path | None = None, packages: tuple[str, ...] | None = None) -> Path:
    """Unpack every package that is not there yet into ``directory``; return the directory.

    Idempotent and quick when everything is present. Each package is unpacked
    into a temporary folder and moved into place, so a half-finished fetch never
    looks complete.
    """
    directory = Path(directory or os.environ.get(ENV) or default_directory()).resolve()
    packages = packages or required_packages()
    missing = [p for p in packages if not _present(directory, p)]
    if not missing:
        return directory
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".fetch-") as tmp:
        tmp_path = Path(tmp)
        subprocess.run(
            [_npm(), "pack", "--silent", "--pack-destination", str(tmp_path), *missing], check=True, stdout=subprocess.DEVNULL
        )
        for package in missing:
            name, version = package.rsplit("@", 1)
            tarball = tmp_path / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
            unpacked = tmp_path / f"unpacked-{tarball.stem}"
            with tarfile.open(tarball) as archive:
                archive.extractall(unpacked, filter="data")
            target = directory / package
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                shutil.rmtree(target)
            (unpacked / "package").rename(target)
    return directory


def use_local_assets(directory: str | Path | None = None) -> Path | None:
    """Point Solara's asset proxy at the local folder, if it holds the files (call before importing Solara).

    An explicit ``SOLARA_ASSETS_PROXY_CACHE_DIR`` is left as it is. Returns the
    folder Solara will use, or None when the files are not there (Solara then
    fetches them from its CDN, as on any machine with internet access).
    """
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    directory = Path(directory or default_directory())
    if all(_present(directory, p) for p in required_packages()):
        os.environ[ENV] = str(directory)
        return directory
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.app.assets", description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", help=f"where to unpack (default: ${ENV} or .cache/solara-assets)")
    args = parser.parse_args(argv)
    try:
        directory = fetch(args.directory)
    except subprocess.CalledProcessError as exc:
        print(f"npm pack failed (exit status {exc.returncode}): is the npm registry reachable?", file=sys.stderr)
        return 1
    print(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
