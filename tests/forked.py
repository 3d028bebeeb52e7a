"""``python -m sim ...`` as a real process, forked from one that has already imported the package.

A fresh ``python -m sim`` spends a second or more importing NumPy, SciPy, pandas,
Mesa and Hydra before it reads its first argument; the command-line tests start
hundreds of them. :func:`run_sim` gives the same thing as
``subprocess.run([sys.executable, "-m", "sim", *args], cwd=..., capture_output=True,
text=True, timeout=...)`` -- a separate process with its own exit status, stdout,
stderr, working folder, environment and global state -- but the process is a
fork of a server (one per test process, started on first use) that has done
those imports once. The child then runs ``sim`` exactly as ``python -m sim``
does (:func:`runpy.run_module` with ``alter_sys``), so its exit status, its
one-line errors and its tracebacks are those of the real program.

What it does not give: a fresh interpreter start (hash seed, import-time reads
of the environment). Tests about the process itself -- signals, Ctrl-C,
concurrent processes, a broken installation, an environment read at import --
keep :func:`subprocess.run`. ``MUSCAT_TESTS_NO_FORK=1`` makes :func:`run_sim`
start a fresh interpreter every time (to check that both agree).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Imported once by the server; every forked command finds them in sys.modules.
PRELOAD = (
    "numpy",
    "pandas",
    "scipy.stats",
    "omegaconf",
    "hydra",
    "hydra._internal.hydra",
    "hydra._internal.utils",
    "hydra.core.plugins",
    "sim.cli",
    "sim.cli.common",
    "sim.cli.app",
    "sim.io",
    "sim.core.runner",
    "sim.config.compose",
    "sim.sweep.plan",
    "sim.sweep.table",
)


class _Server:
    """One forking server process; requests are sent one at a time (a lock guards it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.buffer = b""

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "import tests.forked as f; f._serve()"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            self.buffer = b""
            atexit.register(self.stop)
        return self.proc

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def _line(self, deadline: float | None) -> dict | None:
        """The server's next line (a JSON object), or None when the deadline passes first."""
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError("the forking server of tests/forked.py died")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def run(self, argv: list[str], cwd: Path, env: dict, timeout: float | None) -> tuple[int, str, str]:
        with self.lock, tempfile.TemporaryDirectory(prefix="muscat-fork-") as tmp:
            out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
            proc = self._start()
            request = {"argv": argv, "cwd": str(cwd), "env": env, "stdout": str(out), "stderr": str(err)}
            proc.stdin.write(json.dumps(request).encode() + b"\n")
            proc.stdin.flush()
            pid = self._line(None)["pid"]
            reply = self._line(None if timeout is None else time.monotonic() + timeout)
            if reply is None:  # past the timeout: as subprocess.run does, kill it and say so
                os.kill(pid, signal.SIGKILL)
                self._line(None)
                raise subprocess.TimeoutExpired(["python", "-m", "sim", *argv], timeout, _read(out), _read(err))
            return reply["returncode"], _read(out), _read(err)


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace", newline=None) as f:  # as text=True reads a pipe
        return f.read()


_SERVER = _Server()


def run_sim(
    *args: str, cwd: Path | str = ROOT, timeout: float | None = 300, env: dict | None = None
) -> subprocess.CompletedProcess:
    """``subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)``."""
    argv = [str(a) for a in args]
    env = dict(os.environ if env is None else env)
    shadowed = (Path(cwd) / "sim").is_dir() and (Path(cwd) / "sim").resolve() != ROOT / "sim"
    if shadowed or os.environ.get("MUSCAT_TESTS_NO_FORK"):  # a copy of the package in cwd: python -m sim imports that one
        return subprocess.run(
            [sys.executable, "-m", "sim", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
        )
    code, out, err = _SERVER.run(argv, Path(cwd).resolve(), env, timeout)
    return subprocess.CompletedProcess([sys.executable, "-m", "sim", *argv], code, out, err)


# ---------------------------------------------------------------- the server side


def _serve() -> None:
    """The server: import the package once, then fork one child per request and report its pid and exit status."""
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    from hydra.core.plugins import Plugins

    Plugins.instance()  # Hydra's scan of its plugins, done once
    from tests import yaml_cache

    yaml_cache.install()  # the config files parsed once here: every forked command starts with them (tests/yaml_cache.py)
    yaml_cache.warm(ROOT / "configs")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C at the terminal is pytest's, not the server's
    while True:
        line = sys.stdin.readline()
        if not line:
            os._exit(0)
        request = json.loads(line)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request)  # never returns
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)


def _child(request: dict) -> None:
    """In the forked child: become ``python -m sim ARGS`` in the requested folder and environment, then exit."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
        target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(target, fd)
        os.close(target)
    sys.argv = ["-m", *request["argv"]]
    sys.path[0] = request["cwd"]  # python -m puts the working folder first
    code = 0
    try:
        import runpy

        runpy.run_module("sim", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = _exit_code(exc.code)
    except BaseException:  # as the interpreter does: the traceback on stderr, status 1
        import traceback

        traceback.print_exc()
        code = 1
    _finish(code)


def _exit_code(value) -> int:
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    print(value, file=sys.stderr)  # SystemExit("message"): printed, status 1
    return 1


def _finish(code: int) -> None:
    """What the interpreter does on the way out (threads joined, atexit, streams flushed), then leave."""
    try:
        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
        import logging

        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        pass
    finally:
        os._exit(code)
