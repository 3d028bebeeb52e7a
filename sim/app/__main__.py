"""``muscat-sim-app`` (or ``python -m sim.app``): serve the dashboard on http://127.0.0.1:8765.

Needs the ``app`` extra (``pip install 'muscat-sim[app]'``); without it the
command says so in one line. Solara's front-end files (about 70 MB of npm
packages) are served from a local folder: on first start, when the folder is
empty and ``npm`` is there, they are fetched into it (``--no-fetch`` skips
that and lets the page load them from Solara's CDN); without ``npm`` the
command says how to get them. Options after ``--`` go to ``solara run``
unchanged. The server runs in production mode (unless ``-- --auto-restart``
or ``-- --dev``), releases a closed session's kernel after :data:`CULL_TIMEOUT`,
caps glibc's malloc arenas at :data:`MALLOC_ARENAS` (so that the memory of released sessions is
reused) and bounds every value a browser sends (:mod:`sim.app.state`). Solara's usage
telemetry and its "runs on Solara" banner are off unless
``SOLARA_TELEMETRY_MIXPANEL_ENABLE`` / ``SOLARA_THEME_SHOW_BANNER`` say otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys

from sim.cli.common import fail

APP = "sim.app.dashboard"
#: The variable that carries ``--config-dir`` to the server (the same name as :data:`sim.app.state.CONFIG_DIRS_ENV`;
#: not imported from there, so that ``--help`` and the missing-extra line need no Solara).
CONFIG_DIRS_ENV = "MUSCAT_APP_CONFIG_DIRS"


#: How long a closed browser session's kernel (its state, its last batch) is kept: Solara's default is 24 hours.
CULL_TIMEOUT = "2m"
#: At most this many live kernels per browser session cookie, and at most this many at once in all (a further
#: page waits for a kernel to be released): with one batch of at most 100,000 replications each (about 16 MB),
#: memory stays bounded however many browsers connect.
MAX_KERNELS_PER_SESSION = 8
MAX_KERNELS = 32
#: glibc's malloc arenas for the server (glibc's default: up to 8 per core). Every session draws its figures in threads
#: of its own, and what a released session freed stays reserved in whichever arena its threads used: with the default,
#: the server's resident memory grew by 29-36 MB over sessions 9 to 40 (two runs on 2 cores; 39 MB over 9 to 60, still
#: rising), with 2 by 4-7 MB (tests/app/test_bounds.py measures the running server).
MALLOC_ARENAS = 2
#: mallopt's parameter number of M_ARENA_MAX (glibc's malloc.h).
_M_ARENA_MAX = -8


def solara_arguments(argv: list[str], host: str = "127.0.0.1", port: int = 8765) -> list[str]:
    """The ``solara`` command line that serves the dashboard with the user's arguments (those after ``--``).

    Production mode (no tracebacks or reloading for the browser; errors go to
    the server's log) unless ``--auto-restart``/``-a`` or ``--dev`` asks for development.
    """
    development = any(a in ("--auto-restart", "-a", "--dev") for a in argv)
    return ["run", APP, "--host", host, "--port", str(port), *([] if development else ["--production"]), *argv]


def server_environment() -> None:
    """Solara's settings of a server safe to leave running, unless the environment sets them."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    os.environ.setdefault("SOLARA_KERNEL_MAX_PER_SESSION", str(MAX_KERNELS_PER_SESSION))
    os.environ.setdefault("SOLARA_KERNEL_MAX_COUNT", str(MAX_KERNELS))


def cap_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's malloc arenas of this process at ``arenas`` (before the server starts its threads), unless
    ``MALLOC_ARENA_MAX`` says otherwise (glibc reads that itself) or the C library is not glibc; True if capped."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # no C library to load, or one without mallopt
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(_M_ARENA_MAX, arenas) == 1  # musl's mallopt does nothing and returns 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="muscat-sim-app",
        description="The dashboard: move an assumption, watch the odds and one episode change (a Solara app).",
        epilog=(
            "Examples:\n  muscat-sim-app\n  muscat-sim-app --port 8766 --no-open\n"
            "  muscat-sim-app --config-dir my_configs\n  muscat-sim-app -- --auto-restart\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    p.add_argument("--no-open", action="store_true", help="do not open a browser")
    p.add_argument(
        "--config-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of your own configs (scenario/NAME.yaml ...), as every muscat-sim command takes it (repeatable)",
    )
    p.add_argument("--no-fetch", action="store_true", help="do not fetch Solara's front-end files with npm on first start")
    p.add_argument("solara", nargs=argparse.REMAINDER, help="after --: options for `solara run`, unchanged")
    return p


def prepare_assets(fetch: bool) -> str | None:
    """Make Solara's front-end files available locally; a one-line note when they cannot be, else None."""
    from sim.app import assets

    if assets.use_local_assets() is not None or not fetch:
        return None
    if shutil.which("npm") is None:
        return (
            "note: Solara's front-end files are not in "
            f"{assets.default_directory()}; if the page stays blank (no access to Solara's CDN), install npm "
            "(e.g. apt-get install npm) and run `python -m sim.app.assets`, then start again"
        )
    print(f"Fetching Solara's front-end files (about 70 MB, once) into {assets.default_directory()} ...", file=sys.stderr)
    try:
        assets.fetch(assets.default_directory())
    except Exception as exc:  # npm failed (no registry access): the page can still use Solara's CDN
        return f"note: could not fetch Solara's front-end files ({exc}); the page will try Solara's CDN"
    assets.use_local_assets()
    return None


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    for folder in args.config_dir:
        if not os.path.isdir(folder):
            fail(f"--config-dir {folder}: no such folder: give a folder that holds scenario/, actors/ ...")
    if importlib.util.find_spec("solara") is None:
        fail("the dashboard needs the app extra: pip install 'muscat-sim[app]'")
    note = prepare_assets(fetch=not args.no_fetch)
    if note:
        print(note, file=sys.stderr)
    server_environment()
    cap_malloc_arenas()
    if args.config_dir:  # read by sim.app.state in the server (the same process): the users' folders on the search path
        os.environ[CONFIG_DIRS_ENV] = os.pathsep.join(os.path.abspath(d) for d in args.config_dir)
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "False")  # no "This website runs on Solara" over the figure
    from solara.__main__ import cli  # after the environment is set: Solara reads it on import

    extra = [a for a in args.solara if a != "--"]
    options = [*(["--no-open"] if args.no_open else []), *extra]
    cli.main(args=solara_arguments(options, args.host, args.port), prog_name="muscat-sim-app")


if __name__ == "__main__":
    main()
