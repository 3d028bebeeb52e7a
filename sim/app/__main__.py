"""``muscat-sim-app`` (or ``python -m sim.app``): serve the dashboard with Solara.

Any argument is passed on to ``solara run`` (``--port 8766``, ``--no-open``,
``--production``...). The server listens on 127.0.0.1:8765 unless told
otherwise. The server runs in production mode, releases a closed
session's kernel after :data:`CULL_TIMEOUT` and bounds every value a browser
sends (:mod:`sim.app.state`). Solara's front-end files are served from ``.cache/solara-assets``
when ``python -m sim.app.assets`` has filled it (machines without access to
Solara's CDN), else fetched from the CDN. Solara's usage telemetry is off
unless ``SOLARA_TELEMETRY_MIXPANEL_ENABLE`` says otherwise.
"""

from __future__ import annotations

import os
import sys

APP = "sim.app.dashboard"


#: How long a closed browser session's kernel (its state, its last batch) is kept: Solara's default is 24 hours.
CULL_TIMEOUT = "2m"
#: At most this many live kernels per browser session cookie, and at most this many at once in all (a further
#: page waits for a kernel to be released): with one batch of at most 100,000 replications each (about 16 MB),
#: memory stays bounded however many browsers connect.
MAX_KERNELS_PER_SESSION = 8
MAX_KERNELS = 32


def solara_arguments(argv: list[str]) -> list[str]:
    """The ``solara`` command line that serves the dashboard with the user's arguments.

    Production mode (no tracebacks or reloading for the browser; errors go to
    the server's log) unless ``--auto-restart``/``-a`` or ``--dev`` asks for development.
    """
    development = any(a in ("--auto-restart", "-a", "--dev") for a in argv)
    return ["run", APP, "--host", "127.0.0.1", "--port", "8765", *([] if development else ["--production"]), *argv]


def server_environment() -> None:
    """Solara's settings of a server safe to leave running, unless the environment sets them."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    os.environ.setdefault("SOLARA_KERNEL_MAX_PER_SESSION", str(MAX_KERNELS_PER_SESSION))
    os.environ.setdefault("SOLARA_KERNEL_MAX_COUNT", str(MAX_KERNELS))


def main(argv: list[str] | None = None) -> None:
    from sim.app.assets import use_local_assets

    use_local_assets()
    server_environment()
    from solara.__main__ import cli  # after the environment is set: Solara reads it on import

    cli.main(args=solara_arguments(list(sys.argv[1:] if argv is None else argv)), prog_name="muscat-sim-app")


if __name__ == "__main__":
    main()
