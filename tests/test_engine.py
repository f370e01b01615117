"""The SPARQL engine behind `kg serve` (kg/engine.py): a supervised Oxigraph child that stays
small under a flood, is replaced when it dies or runs away, lets the requests it is answering
finish first, and dies with `kg serve` however that ends."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter

import pytest
from conftest import write_hand_store
from servers import alive, children, kg_serve, sparql, threads

from kg import graph

ASK = "ASK {}"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
BIG = "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 5000"  # 1.6 MB of JSON: streamed


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "store"
    write_hand_store(path)
    graph.close_store(path)
    return path


def engine_of(proc) -> int:
    (pid,) = children(proc.pid)
    return pid


def until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_flood_of_small_queries_leaves_the_engine_small(store, tmp_path) -> None:
    """Oxigraph's --timeout-s kept a thread per request for 30 s: a flood of ASK {} on new
    connections made the child run out of threads. Without it, the child's threads stay few."""
    with kg_serve(store, log=tmp_path / "serve.log") as (port, proc):
        engine = engine_of(proc)
        statuses: Counter = Counter()
        stop = time.monotonic() + 3

        def flood() -> None:
            while time.monotonic() < stop:
                statuses[sparql(port, ASK, method="GET")[0]] += 1

        workers = [threading.Thread(target=flood) for _ in range(8)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert set(statuses) == {200} and sum(statuses.values()) > 300, statuses
        assert threads(engine) < 64, threads(engine)
        assert children(proc.pid) == [engine]  # never restarted


def test_a_killed_engine_is_replaced(store, tmp_path) -> None:
    with kg_serve(store, log=tmp_path / "serve.log") as (port, proc):
        first = engine_of(proc)
        os.kill(first, signal.SIGKILL)
        assert until(lambda: children(proc.pid) not in ([], [first]), 10)
        answers = [sparql(port, ASK)[0] for _ in range(20)]
        assert answers == [200] * 20
        assert (
            "restarting the SPARQL engine: it exited with status -9"
            in (tmp_path / "serve.log").read_text()
        )


def test_requests_in_flight_survive_a_runaway_restart(store, tmp_path) -> None:
    """Large answers being streamed while runaway queries are cancelled (each one replaces the
    engine) all arrive whole: the old engine finishes them before it is stopped. (On a
    loaded machine an answer may itself overrun the limit: then it is a clean 503.)"""
    results: Counter = Counter()

    with kg_serve(store, "--timeout", "3", log=tmp_path / "serve.log") as (port, proc):

        def big() -> None:
            for _ in range(12):
                try:
                    status, body = sparql(port, BIG)
                    results[(status, body.rstrip().endswith(b"}"))] += 1
                except Exception as exc:  # noqa: BLE001 - counted: the test is that none happen
                    results[type(exc).__name__] += 1

        def runaway() -> None:
            for _ in range(2):
                status, body = sparql(port, RUNAWAY)
                results[("runaway", status)] += 1

        workers = [threading.Thread(target=big) for _ in range(3)]
        workers.append(threading.Thread(target=runaway))
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        log = (tmp_path / "serve.log").read_text()
    whole, cancelled = results.pop((200, True), 0), results.pop((503, False), 0)
    assert results == {("runaway", 503): 2}, results  # nothing cut, no other status
    assert whole + cancelled == 36 and whole >= 30, (whole, cancelled)
    assert log.count("a query ran past the time limit") == 2 + cancelled


@pytest.mark.parametrize("options", [(), ("--allow-update",)], ids=["read-only", "read-write"])
def test_the_engine_dies_with_kg_serve(store, tmp_path, options) -> None:
    """SIGKILL of kg serve takes its engine with it: no orphan keeps the store open."""
    with kg_serve(store, *options, log=tmp_path / "serve.log") as (_, proc):
        engine = engine_of(proc)
        proc.kill()
        proc.wait()
        assert until(lambda: not alive(engine), 5), f"engine {engine} outlived kg serve"
    opened = graph.open_store(store)  # RocksDB's lock is free again
    assert graph.count(opened, "?a a kg:Article") == 2
    graph.close_store(store)
