"""The build lock: one `kg build` writes a store at a time, and everyone else can tell.

`kg build` holds an exclusive `fcntl.flock` on ``<store>/lock`` for its whole run and writes
its pid into the file. A second build waits up to `wait` seconds for it, then raises
`StoreBusyError` naming the pid. The kernel drops the lock when the process ends, however
it ends (SIGKILL included), so a stale lock file never blocks anyone: only a live holder
does. Readers do not take the lock; when RocksDB refuses to open a store because a build
has it open, `builder_pid` lets the error say who is building.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import StoreBusyError, StoreError

LOCK_FILE = "lock"
POLL_SECONDS = 0.1


def busy_message(store: str | os.PathLike, pid: int | None) -> str:
    who = f" (pid {pid})" if pid else ""
    return f"store {store} is being built by another process{who}; try again when it finishes"


def builder_pid(store: str | os.PathLike) -> int | None:
    """The pid of the process building `store` now, or None if nobody is."""
    path = Path(store) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(fd) or None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int:
    try:
        return int(os.pread(fd, 32, 0).decode("ascii", "replace").strip() or 0)
    except (OSError, ValueError):
        return 0


@contextmanager
def build_lock(store: object, *, wait: float = 0.0) -> Iterator[None]:
    """Hold the build lock of `store` (created if needed) for the `with` block.

    Waits up to `wait` seconds for another builder; then `StoreBusyError`. A store given as
    a URL (a SPARQL server, which orders its own writes) has no lock file and is not locked.
    """
    from kg.remote import as_remote

    if as_remote(store) is not None:
        yield
        return
    root = Path(store)
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot create the lock file in {root}: {exc}") from exc
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusyError(busy_message(root, _read_pid(fd) or None)) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
