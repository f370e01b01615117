"""`kg build --executor dask`: the articles are parsed on Dask workers (the scheduler counts
the `extract_text` tasks it ran) and the graph is the one a single process builds; from the
command line on a running scheduler (`--scheduler`), and on a local cluster."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from servers import free_port

from kg import graph

pytest.importorskip("distributed")


def extract_tasks(client) -> int:
    """How many `extract_text` tasks the client's scheduler has computed."""

    def count(dask_scheduler) -> int:  # nested: sent to the scheduler by value
        prefix = dask_scheduler.task_prefixes.get("extract_text")
        return 0 if prefix is None else prefix.state_counts["memory"]

    return client.run_on_scheduler(count)


@contextlib.contextmanager
def dask_cluster():
    """A `dask scheduler` and one `dask worker` process on 127.0.0.1: yields its address."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).parent / "dask")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--no-dashboard"], **quiet)  # fmt: skip
    worker = subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard",
                               "--memory-limit", "0"], **quiet)  # fmt: skip
    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            proc.wait(timeout=30)


def kg(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def test_dask_build_on_a_scheduler_from_the_command_line(tiny_built, tmp_path) -> None:
    from distributed import Client

    corpus, store, _ = tiny_built
    expected = graph.export(graph.open_store(store, create=False), "nquads")
    graph.close_store(store)
    shutil.copytree(corpus, tmp_path / "corpus")
    with dask_cluster() as address:
        args = ["build", "corpus", "--store", "dask-store", "--executor", "dask",
                "--scheduler", address]  # fmt: skip
        first = kg(*args, cwd=tmp_path)
        second = kg(*args, cwd=tmp_path)
        with Client(address, timeout="30s") as client:
            ran = extract_tasks(client)
    assert first.returncode == 0, first.stderr
    assert "rebuilt        3" in first.stdout and "unchanged      3" in second.stdout
    assert ran == 3  # each article parsed on the cluster, once
    assert graph.export(graph.open_store(tmp_path / "dask-store"), "nquads") == expected
    graph.close_store(tmp_path / "dask-store")


def test_dask_build_on_a_local_cluster(tiny_built, tmp_path, monkeypatch) -> None:
    import kg.distributed
    from kg.pipeline import build

    corpus, store, _ = tiny_built
    expected = graph.export(graph.open_store(store, create=False), "nquads")
    shutil.copytree(corpus, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)  # corpus roots are recorded relative to the current dir
    ran = []
    local_cluster = kg.distributed.dask_client

    @contextlib.contextmanager
    def counting(scheduler=None, n_workers=2):
        assert scheduler is None
        with local_cluster(scheduler, n_workers) as client:
            yield client
            ran.append(extract_tasks(client))

    monkeypatch.setattr(kg.distributed, "dask_client", counting)
    report = build(["corpus"], store="dask-store", executor="dask", n_process=2)
    assert sorted(report.rebuilt) == ["a/huawei.md", "a/smic.md", "b/nvidia.md"]
    assert ran == [3] and report.parsed_in == "a Dask cluster"
    assert graph.export(graph.open_store("dask-store"), "nquads") == expected
    again = build(["corpus"], store="dask-store", executor="dask")  # nothing to do
    assert again.unchanged == 3 and again.rebuilt == []
    graph.close_store("dask-store")
