"""``muscat-sim-app`` (or ``python -m sim.app``): serve the dashboard with Solara.

Any argument is passed on to ``solara run`` (``--port 8766``, ``--no-open``,
``--production``...). The server listens on 127.0.0.1:8765 unless told
otherwise. Solara's front-end files are served from ``.cache/solara-assets``
when ``python -m sim.app.assets`` has filled it (machines without access to
Solara's CDN), else fetched from the CDN. Solara's usage telemetry is off
unless ``SOLARA_TELEMETRY_MIXPANEL_ENABLE`` says otherwise.
"""

from __future__ import annotations

import os
import sys

APP = "sim.app.dashboard"


def solara_arguments(argv: list[str]) -> list[str]:
    """The ``solara`` command line that serves the dashboard with the user's arguments."""
    return ["run", APP, "--host", "127.0.0.1", "--port", "8765", *argv]


def main(argv: list[str] | None = None) -> None:
    from sim.app.assets import use_local_assets

    use_local_assets()
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    from solara.__main__ import cli  # after the environment is set: Solara reads it on import

    cli.main(args=solara_arguments(list(sys.argv[1:] if argv is None else argv)), prog_name="muscat-sim-app")


if __name__ == "__main__":
    main()
