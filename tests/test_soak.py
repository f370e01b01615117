"""Soak: one `kg serve` under a flood, bursts, slow clients and runaway queries at once, while a
well-behaved client asks a real question every 0.2 s and times every answer.

Each attacker is a process of its own (so the client's timings are the server's, not this
process's threads waiting for each other):

- flood: 8 threads, each a new connection per `ASK {}`, as fast as they are answered;
- burst: every 8 s, 150 connections send all of a request but its last line, then all send it
  at once;
- slow: 150 connections that send a request a byte every 2 s (and reconnect when cut off);
- runaway: 2 threads sending a query that runs past the time limit, again and again.

The client must get every answer, right, with a p99 latency under 2 s; the server must still
answer afterwards; no engine process may be left behind once it stops. Runs SOAK_SECONDS.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import threading
import time

import pytest
from servers import alive, children, kg_serve, sparql, threads

from kg import graph

SOAK_SECONDS = 40
CLIENT_EVERY = 0.2
QUESTION = (
    "PREFIX kg: <https://w3id.org/chipkg/ontology#> "
    "SELECT ?s ?o WHERE { ?s kg:suppliesTo ?o } ORDER BY ?s ?o"
)

ATTACK = r"""
import http.client, socket, sys, threading, time, urllib.parse
mode, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
end = time.monotonic() + seconds
ASK = "/query?query=" + urllib.parse.quote("ASK {}")
RUNAWAY = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE "
                                  "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"})
HEAD = f"GET {ASK} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()

def forever(work):
    while time.monotonic() < end:
        try:
            work()
        except OSError:
            time.sleep(0.05)

def flood():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", ASK)
    c.getresponse().read()
    c.close()

def runaway():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/query", RUNAWAY, {"Content-Type": "application/x-www-form-urlencoded"})
    c.getresponse().read()
    c.close()

def slow():
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    with s:
        for b in HEAD:
            if time.monotonic() > end:
                return
            s.sendall(bytes([b]))
            time.sleep(2)

def burst():
    socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(150)]
    for s in socks:
        s.sendall(HEAD)
    time.sleep(1)
    for s in socks:
        s.sendall(b"\r\n")
    for s in socks:
        with s:
            try:
                s.recv(65536)
            except OSError:
                pass
    time.sleep(7)

work = {"flood": flood, "runaway": runaway, "slow": slow, "burst": burst}[mode]
count = {"flood": 8, "runaway": 2, "slow": 150, "burst": 1}[mode]
workers = [threading.Thread(target=forever, args=(work,)) for _ in range(count)]
for w in workers:
    w.start()
for w in workers:
    w.join()
"""


@pytest.fixture
def store(tiny_copy):
    _, store = tiny_copy
    graph.close_store(store)
    return store


def test_soak(store, tmp_path) -> None:
    with kg_serve(store, "--timeout", "2", log=tmp_path / "serve.log") as (port, proc):
        status, body = sparql(port, QUESTION)
        assert status == 200
        expected = json.loads(body)["results"]["bindings"]
        assert expected
        attackers = [
            subprocess.Popen([sys.executable, "-c", ATTACK, mode, str(port), str(SOAK_SECONDS)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for mode in ("flood", "burst", "slow", "runaway")
        ]  # fmt: skip
        latencies, wrong, most = [], [], {"front": 0, "engine": 0}

        def watch() -> None:
            while any(a.poll() is None for a in attackers):
                most["front"] = max(most["front"], threads(proc.pid))
                for pid in children(proc.pid):
                    with contextlib.suppress(OSError):  # a replaced engine may be gone
                        most["engine"] = max(most["engine"], threads(pid))
                time.sleep(0.5)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            end = time.monotonic() + SOAK_SECONDS
            while time.monotonic() < end:
                started = time.monotonic()
                try:
                    status, body = sparql(port, QUESTION, timeout=30)
                    ok = status == 200 and json.loads(body)["results"]["bindings"] == expected
                except OSError as exc:
                    status, ok = type(exc).__name__, False
                latencies.append(time.monotonic() - started)
                if not ok:
                    wrong.append(status)
                time.sleep(max(0.0, CLIENT_EVERY - (time.monotonic() - started)))
        finally:
            for attacker in attackers:
                attacker.wait(timeout=120)
            watcher.join()
        assert sparql(port, QUESTION)[0] == 200  # still answering
        engines = children(proc.pid)
    log = (tmp_path / "serve.log").read_text()
    p99 = statistics.quantiles(latencies, n=100)[98]
    report = (f"{len(latencies)} answers, p50 {statistics.median(latencies):.3f} s, p99"
              f" {p99:.3f} s, max {max(latencies):.3f} s; threads: {most};"
              f" {log.count('a query ran past the time limit')} runaways stopped")  # fmt: skip
    print(report)
    assert wrong == [], (wrong, report)
    assert len(latencies) > SOAK_SECONDS / CLIENT_EVERY / 2, report
    assert p99 < 2.0, report
    assert most["engine"] < 64, report  # no thread per request held for seconds
    assert "a query ran past the time limit" in log  # the runaways were there, and stopped
    assert not [pid for pid in engines if alive(pid)]  # none left once kg serve stopped
