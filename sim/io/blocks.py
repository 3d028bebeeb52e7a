"""The cache of finished blocks of a long run (:class:`BlockStore`).

Running the same command again after an interrupt resumes the run from its
finished blocks. A block file is only ever reused for exactly the block it was
computed as: see the class.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import stat
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sim.core.params import Scenario
from sim.io.files import atomic_write_bytes, atomic_write_text, remove_stale_tmp, safe_name
from sim.io.identity import run_identity

BLOCKS = ".blocks"  # the block cache's folder under the output root
MAX_BLOCK_FILE = 1 << 31  # a block file larger than this is not a block (2 GB)


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _stderr_notice(message: str) -> None:
    print(f"note: {message}", file=sys.stderr, flush=True)


class BlockStore:
    """Finished blocks of one run, one ``.npz`` file each, in a folder named by the run's identity.

    The identity (:func:`run_identity`) covers everything that can change a
    block's numbers: the resolved scenario (every parameter), the seed, the
    block size, the package version and a hash of the simulation's sources.
    Each file also carries its block index, its length and a SHA-256 of its
    arrays, and is checked against all of them when it is loaded. A file that
    is unreadable, cut short, altered, or belongs to another block or another
    run is deleted and the block run again, with a one-line notice
    (``notice``); it is never mixed into the results.
    """

    def __init__(
        self,
        root: str | Path,
        scenario: Scenario,
        seed: int,
        block_size: int,
        notice: Callable[[str], None] | None = _stderr_notice,
        configs: str | None = None,
    ) -> None:
        self.identity = run_identity(scenario, seed, block_size, configs)
        self.key = hashlib.sha256(json.dumps(self.identity, sort_keys=True).encode()).hexdigest()
        self.root = Path(root)
        self.directory = self.root / f"{safe_name(scenario.name)}-{self.key[:16]}"  # a label, never a path
        self.notice = notice or (lambda _message: None)
        self.resumed = 0
        self.discarded = 0
        if self.directory.is_dir():
            remove_stale_tmp(self.directory)  # a block being written when its process was killed

    def _path(self, block: int) -> Path:
        return self.directory / f"block_{block:06d}.npz"

    def _discard(self, path: Path, why: str) -> None:
        self.discarded += 1
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        self.notice(f"discarded cached block file {path.name} ({why}); running that block again")

    def load(self, block: int, n: int) -> dict[str, np.ndarray] | None:
        """Block ``block`` of ``n`` replications if a sound file of exactly that block is here, else None."""
        path = self._path(block)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._discard(path, f"unreadable: {exc.strerror}")
            return None
        if not stat.S_ISREG(info.st_mode):  # a FIFO, a device or a link would block or lead elsewhere: never opened
            self._discard(path, "not a regular file")
            return None
        if info.st_size > MAX_BLOCK_FILE:
            self._discard(path, f"{info.st_size} bytes, too large for a block")
            return None
        try:
            with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NOFOLLOW | os.O_NONBLOCK)) as handle:
                raw = handle.read()
            with np.load(io.BytesIO(raw), allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
            self._discard(path, f"unreadable: {type(exc).__name__}")
            return None
        try:
            meta = json.loads(bytes(arrays.pop("__identity__")).decode())
        except (KeyError, ValueError, TypeError, UnicodeDecodeError):
            self._discard(path, "no identity")
            return None
        if not isinstance(meta, dict) or meta.get("run") != self.key:
            self._discard(path, "made by another configuration, seed, block size or code version")
            return None
        if meta.get("block") != block or meta.get("n") != n or len(arrays.get("outcome", ())) != n:
            self._discard(path, f"holds block {meta.get('block')} of {meta.get('n')} replications, not block {block} of {n}")
            return None
        if meta.get("checksum") != _checksum(arrays):
            self._discard(path, "checksum mismatch: the file was altered or damaged")
            return None
        self.resumed += 1
        return arrays

    def save(self, block: int, arrays: dict[str, np.ndarray]) -> None:
        """Keep a finished block (written whole under a temporary name, then renamed into place)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        meta = {"run": self.key, "block": int(block), "n": len(arrays["outcome"]), "checksum": _checksum(arrays)}
        if not (self.directory / "identity.json").exists():
            atomic_write_text(self.directory / "identity.json", json.dumps({"key": self.key, **self.identity}, indent=1))
        buffer = io.BytesIO()
        try:
            np.savez(buffer, __identity__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
        except ValueError as exc:
            # A Ctrl-C inside np.savez leaves its zip entry open, and closing the zip then raises ValueError
            # ("open writing handle") with the interrupt as its context: the interrupt is what happened.
            raise _interrupt_behind(exc) or exc from None
        atomic_write_bytes(self._path(block), buffer.getvalue())

    def clear(self) -> None:
        """Remove this run's blocks (once its results are written) and those no run of this code can use.

        Blocks made by another version of the code (another package version,
        sources or file format) can never be reused: they go too. Blocks of
        other configurations made by this code stay (their runs can resume).
        """
        shutil.rmtree(self.directory, ignore_errors=True)
        current = {k: self.identity[k] for k in ("version", "code", "libraries", "format")}
        for other in self.root.glob("*/identity.json"):
            try:
                made = json.loads(other.read_text())
            except (OSError, ValueError):
                continue
            if isinstance(made, dict) and {k: made.get(k) for k in current} != current:
                shutil.rmtree(other.parent, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.root.rmdir()  # only if empty


def _interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt (a Ctrl-C, or the command line's SIGTERM) that ``exc`` was raised while handling, if any."""
    seen: set[int] = set()
    cause = exc.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__context__
    return None
