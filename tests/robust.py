"""Helpers for the robustness tests: run `kg` as a real process, measure it, read a store."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

KG = [sys.executable, "-m", "kg.cli"]

# Root reads a chmod 000 file. Dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
# child's bounding set (util-linux setpriv) makes the permission bits count again, so an
# unreadable file is really unreadable (EACCES), not simulated.
DROP_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def can_drop_dac() -> bool:
    if os.geteuid() != 0:
        return True  # not root: chmod 000 works as it is
    if shutil.which("setpriv") is None:
        return False
    probe = subprocess.run([*DROP_DAC, "true"], capture_output=True)
    return probe.returncode == 0


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    max_rss_mb: float  # peak resident memory of the child

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("warning: ")]


def run_kg(*args, cwd: Path, drop_dac: bool = False, env: dict | None = None, timeout=600) -> Run:
    """`kg ARGS` in a child process; its peak RSS comes from wait4."""
    prefix = DROP_DAC if drop_dac and os.geteuid() == 0 else []
    out, err = cwd / ".kg-stdout", cwd / ".kg-stderr"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [*prefix, *KG, *map(str, args)], cwd=cwd, stdout=o, stderr=e,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        try:
            _, status, usage = _wait4(proc, timeout)
        finally:
            if proc.returncode is None and proc.poll() is None:
                proc.kill()
                proc.wait()
    return Run(
        os.waitstatus_to_exitcode(status),
        out.read_text("utf-8", "replace"),
        err.read_text("utf-8", "replace"),
        usage.ru_maxrss / 1024,
    )


def _wait4(proc: subprocess.Popen, timeout: float):
    import time

    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.monotonic() > deadline:
            raise TimeoutError(f"kg did not finish in {timeout} s")
        time.sleep(0.05)


def graph_quads(store_dir: Path) -> dict[str, set[str]]:
    """Every named graph of a store (opened and closed here) as a set of N-Triples lines."""
    import pyoxigraph as ox

    store = ox.Store(str(store_dir / "oxigraph"))
    try:
        out: dict[str, set[str]] = {}
        for q in store.quads_for_pattern(None, None, None, None):
            key = q.graph_name.value if hasattr(q.graph_name, "value") else ""
            out.setdefault(key, set()).add(f"{q.subject} {q.predicate} {q.object} .")
        return out
    finally:
        del store
