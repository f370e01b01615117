"""The build lock: one writer of a store at a time, and everyone else can tell who it is.

`kg build` (and `kg serve --allow-update`, `kg load`) holds an exclusive `fcntl.flock` on
``<store>/lock`` for its whole run and writes its pid and what it is doing into the file. A
second writer waits up to `wait` seconds for it, then raises `StoreBusyError` naming the pid.
The kernel drops the lock when the process ends, however it ends (SIGKILL included), so a
stale lock file never blocks anyone: only a live holder does. Readers do not take the lock;
when RocksDB refuses to open a store because a writer has it open, `holder` lets the error
say who.
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
BUILDING = "being built by another process"


def busy_message(store: str | os.PathLike, pid: int | None, purpose: str = BUILDING) -> str:
    who = f" (pid {pid})" if pid else ""
    return f"store {store} is {purpose}{who}; try again when it finishes"


def holder(store: str | os.PathLike) -> tuple[int, str] | None:
    """(pid, what it is doing) of the process holding the lock of `store` now (0 for a pid
    that cannot be read), or None if nobody holds it."""
    path = Path(store) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read_holder(fd: int) -> tuple[int, str]:
    """The pid and purpose written in the lock file (0 when unreadable)."""
    try:
        text = os.pread(fd, 256, 0).decode("utf-8", "replace")
    except OSError:
        return 0, BUILDING
    first, _, rest = text.partition("\n")
    try:
        pid = int(first.strip() or 0)
    except ValueError:
        pid = 0
    return pid, rest.strip() or BUILDING


@contextmanager
def build_lock(store: object, *, wait: float = 0.0, purpose: str = BUILDING) -> Iterator[None]:
    """Hold the build lock of `store` (created if needed) for the `with` block, saying what
    for (`purpose`, shown to whoever waits: "store ... is being built by another process").

    Waits up to `wait` seconds for another writer; then `StoreBusyError`. A store given as
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
                    pid, what = _read_holder(fd)
                    raise StoreBusyError(busy_message(root, pid or None, what)) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{purpose}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
