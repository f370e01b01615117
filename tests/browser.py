"""Headless Chromium driven over the Chrome DevTools protocol, on a pipe (no extra packages).

`Browser` starts Debian's `chromium` with `--remote-debugging-pipe` (commands on fd 3,
replies and events on fd 4, each a JSON message ending in NUL) and with networking off: every
host resolves to nothing and every proxied request goes to a closed local port, loopback
included, except the one server (`serving="127.0.0.1:PORT"`) a test may open. `Page` opens
one URL in a new tab and records every network request the page attempts, every JavaScript
dialog (alert, confirm, prompt) and every uncaught exception.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
]


def find_chromium() -> str | None:
    env = os.environ.get("KG_CHROMIUM")
    if env:
        return env
    return next((p for p in map(shutil.which, CHROMIUM_NAMES) if p), None)


class CDPError(RuntimeError):
    pass


class Browser:
    def __init__(
        self, executable: str | None = None, *, window=(1400, 900), serving: str | None = None
    ) -> None:
        exe = executable or find_chromium()
        if not exe:
            raise CDPError("no chromium found: apt-get install -y chromium")
        self.profile = tempfile.mkdtemp(prefix="kg-chromium-")
        # our end writes to the child's fd 3 and reads from the child's fd 4; every end is
        # moved to fd 10 or above first, so the dup2 calls in the child cannot clobber one
        child_r, self._to_child = map(_dup_high, os.pipe())
        self._from_child, child_w = map(_dup_high, os.pipe())

        def child_fds() -> None:
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        flags = FLAGS
        if serving is not None:
            host = serving.rsplit(":", 1)[0]
            swap = {
                "--proxy-bypass-list": f"<-loopback>;{serving}",
                "--host-resolver-rules": f"MAP * ~NOTFOUND, EXCLUDE {host}",
            }
            flags = [f"{k}={swap[k]}" if (k := f.split("=")[0]) in swap else f for f in FLAGS]
        args = [exe, *flags, f"--user-data-dir={self.profile}",
                f"--window-size={window[0]},{window[1]}", "about:blank"]  # fmt: skip
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            close_fds=False,  # fds 3 and 4 are made in preexec_fn; all others are CLOEXEC
            preexec_fn=child_fds,
        )
        os.close(child_r)
        os.close(child_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict] = []

    # -- protocol
    def send(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout: float = 30.0) -> dict:  # fmt: skip
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode("utf-8") + b"\0"
        while data:
            data = data[os.write(self._to_child, data) :]
        deadline = time.monotonic() + timeout
        while True:
            for m in self._read(deadline):
                if m.get("id") == self._id:
                    if "error" in m:
                        raise CDPError(f"{method}: {m['error']}")
                    return m.get("result", {})
                self.events.append(m)

    def _read(self, deadline: float) -> list[dict]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise CDPError("timed out waiting for chromium")
        ready, _, _ = select.select([self._from_child], [], [], left)
        if not ready:
            raise CDPError("timed out waiting for chromium")
        chunk = os.read(self._from_child, 1 << 20)
        if not chunk:
            err = self.proc.stderr.read().decode("utf-8", "replace") if self.proc.stderr else ""
            raise CDPError(f"chromium closed the pipe: {err[-2000:]}")
        self._buf += chunk
        *msgs, self._buf = self._buf.split(b"\0")
        return [json.loads(m) for m in msgs if m]

    def pump(self, seconds: float) -> None:
        """Collect events for up to `seconds`."""
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                self.events += self._read(deadline)
        except CDPError as exc:
            if "timed out" not in str(exc):
                raise

    def open(self, url: str, *, timeout: float = 30.0) -> Page:
        return Page(self, url, timeout=timeout)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.proc.stderr:
            self.proc.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _dup_high(fd: int) -> int:
    """`fd` moved to a close-on-exec descriptor numbered 10 or more."""
    import fcntl

    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


DIALOG_TRAP = """
window.__kgDialogs = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = function (msg) { window.__kgDialogs.push(name + ":" + String(msg)); };
}
"""


class Page:
    """One tab: network requests, dialogs and exceptions are recorded from the start."""

    def __init__(self, browser: Browser, url: str, *, timeout: float = 30.0) -> None:
        self.b = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable")
        self.send("Page.addScriptToEvaluateOnNewDocument", {"source": DIALOG_TRAP})
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", timeout=timeout)

    def send(self, method: str, params: dict | None = None, **kw) -> dict:
        return self.b.send(method, params, session=self.session, **kw)

    def _mine(self, method: str) -> list[dict]:
        return [e for e in self.b.events
                if e.get("sessionId") == self.session and e.get("method") == method]  # fmt: skip

    def wait_event(self, method: str, *, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            found = self._mine(method)
            if found:
                return found[0]
            self.b.events += self.b._read(deadline)

    def follow(self, expression: str, *, timeout: float = 30.0) -> None:
        """Evaluate `expression` (a click on a link, say) and wait until the page it leads to
        has loaded: nothing is evaluated while the old document goes away."""
        loaded = len(self._mine("Page.loadEventFired"))
        self.eval(expression)
        deadline = time.monotonic() + timeout
        while len(self._mine("Page.loadEventFired")) == loaded:
            self.b.events += self.b._read(deadline)

    def eval(self, expression: str, *, timeout: float = 30.0):
        res = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in res:
            raise CDPError(f"{expression[:80]}: {res['exceptionDetails']}")
        return res["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 60.0, every: float = 0.1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            self.b.pump(every)
        raise CDPError(f"timed out waiting for {expression}")

    @property
    def requests(self) -> list[str]:
        """URL of every request the page attempted (the page itself included)."""
        return [e["params"]["request"]["url"] for e in self._mine("Network.requestWillBeSent")]

    @property
    def dialogs(self) -> list[str]:
        return [e["params"].get("message", "") for e in self._mine("Page.javascriptDialogOpening")]

    @property
    def exceptions(self) -> list[str]:
        return [json.dumps(e["params"]["exceptionDetails"])[:500]
                for e in self._mine("Runtime.exceptionThrown")]  # fmt: skip

    def screenshot(self, path: str | os.PathLike) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path = Path(path)
        path.write_bytes(base64.b64decode(data))
        return path
