"""Concurrent use of one store by real processes: a build in progress, a second build, queries.

The first build is paused inside its first article write (the child wraps
`kg.graph.write_article`), so it holds the build lock and the open store for as long as the
test needs. Meanwhile: a second `kg build --wait 0.5` gives up with E041 naming the pid; `kg
query` and `kg stats` say the store is busy (RocksDB admits one process; see kg.storelock);
a third build with a long --wait queues and finishes after the first. The store is intact.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import write_tiny_corpus
from robust import graph_quads, run_kg

from kg import graph
from kg.storelock import build_lock, holder

PAUSE = """
import os, sys, time
from pathlib import Path
import kg.graph
real, paused = kg.graph.write_article, []
def write_article(store, graph, quads, **kw):
    if not paused:
        paused.append(1)
        Path("ready").touch()
        deadline = time.monotonic() + 120
        while not Path("go").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return real(store, graph, quads, **kw)
kg.graph.write_article = write_article
from kg.cli import app
app(sys.argv[1:], prog_name="kg")
"""
BUSY = "store store is being built by another process (pid {pid}); try again when it finishes"


def wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_second_build_and_queries_during_a_build(tmp_path: Path) -> None:
    write_tiny_corpus(tmp_path / "corpus")
    first = subprocess.Popen(
        [sys.executable, "-c", PAUSE, "build", "corpus", "--store", "store"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    third = None
    try:
        wait_for(tmp_path / "ready", first)
        assert holder(tmp_path / "store") == (first.pid, "being built by another process")

        second = run_kg("build", "corpus", "--store", "store", "--wait", "0.5", cwd=tmp_path)
        assert second.returncode == 1
        assert second.stderr == f"error: [E041] {BUSY.format(pid=first.pid)}\n"

        for args in (["query", "SELECT * WHERE { ?s ?p ?o } LIMIT 1"], ["stats"]):
            r = run_kg(*args, "--store", "store", cwd=tmp_path)
            if r.returncode:  # busy, said clearly; answering from the last state is fine too
                assert r.stderr == f"error: [E041] {BUSY.format(pid=first.pid)}\n", r.stderr
            assert "Traceback" not in r.stderr

        third = subprocess.Popen(
            [*[sys.executable, "-m", "kg.cli"], "build", "corpus", "--store", "store",
             "--wait", "120"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        time.sleep(1.0)
        assert third.poll() is None  # it waits for the first build
        (tmp_path / "go").touch()
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
        assert "rebuilt        3" in out
        out, err = third.communicate(timeout=120)
        assert third.returncode == 0, err
        assert "unchanged      3" in out and "rebuilt        0" in out
    finally:
        for proc in (first, third):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert holder(tmp_path / "store") is None
    r = run_kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?a a kg:Article }", "--format", "csv",
               "--store", "store", cwd=tmp_path)  # fmt: skip
    assert (r.returncode, r.stdout.split()) == (0, ["n", "3"])


def test_build_lock_in_process(tmp_path: Path) -> None:
    """The lock is per store, released on exit from the block and by the kernel on death."""
    store = tmp_path / "store"
    with build_lock(store):
        assert holder(store) == (os.getpid(), "being built by another process")
        child = subprocess.run(
            [sys.executable, "-c", "from kg.storelock import build_lock\n"
             "with build_lock('store', wait=0.2): pass"],
            cwd=tmp_path, capture_output=True, text=True,
        )  # fmt: skip
        assert child.returncode == 1 and "StoreBusyError" in child.stderr
        assert f"(pid {os.getpid()})" in child.stderr
    assert holder(store) is None
    # a builder killed while holding the lock leaves the file, but not the lock
    killed = subprocess.run(
        [sys.executable, "-c", "import os, signal\nfrom kg.storelock import build_lock\n"
         "with build_lock('store'):\n    os.kill(os.getpid(), signal.SIGKILL)"],
        cwd=tmp_path,
    )  # fmt: skip
    assert killed.returncode == -9 and (store / "lock").exists()
    assert holder(store) is None
    with build_lock(store, wait=0):
        pass


def test_build_waits_for_a_reader_to_close_the_store(tiny_copy) -> None:
    """A build that finds the store open elsewhere (no lock held) retries until --wait."""
    corpus, store = tiny_copy
    reader = subprocess.Popen(
        [sys.executable, "-c", "import time, pyoxigraph as ox\n"
         f"s = ox.Store({str(store / 'oxigraph')!r}); print('open', flush=True); time.sleep(1.5)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert reader.stdout.readline().strip() == "open"
    from kg.pipeline import build

    report = build([corpus], store=store, wait=30)
    assert report.unchanged == 3
    reader.wait()
    graph.close_store(store)
    assert graph_quads(store)
