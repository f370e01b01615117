"""Sockets that must be done by a deadline: a thread shuts down the late ones, so that a
read or write blocked on them returns at once, however slowly the other side trickles.

`kg serve` gives a client `REQUEST_SECONDS` to send its request; the remote store gives an
endpoint its whole-request time limit. A socket timeout alone bounds one read, not all of
them: a peer sending a byte every few seconds would never trip it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

TICK = 0.25  # seconds between checks: how late a deadline may be acted on


class Deadlines:
    """Deadlines per socket, and the thread that enforces them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[socket.socket, float] = {}
        self._thread = threading.Thread(target=self._run, name="kg-deadlines", daemon=True)
        self._thread.start()

    def arm(self, sock: socket.socket, seconds: float) -> None:
        """Shut `sock` down in `seconds` unless `disarm`ed before."""
        with self._lock:
            self._due[sock] = time.monotonic() + seconds

    def disarm(self, sock: socket.socket) -> None:
        with self._lock:
            self._due.pop(sock, None)

    def _run(self) -> None:
        while True:
            time.sleep(TICK)
            now = time.monotonic()
            with self._lock:
                late = [s for s, due in self._due.items() if due <= now]
                for s in late:
                    del self._due[s]
            for s in late:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


_shared: Deadlines | None = None
_shared_lock = threading.Lock()


def shared() -> Deadlines:
    """The process's `Deadlines` (its thread started on first use)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Deadlines()
        return _shared
