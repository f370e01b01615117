"""`--store URL`: building into a running Oxigraph server gives the same graph as building
into the embedded store, and every command reads from it."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from conftest import write_tiny_corpus
from servers import free_port, oxigraph_binary, running
from typer.testing import CliRunner

from kg import graph
from kg.cli import app

runner = CliRunner()


@pytest.fixture
def oxigraph_server(tmp_path):
    port = free_port()
    cmd = [oxigraph_binary(), "serve", "--location", str(tmp_path / "server-db"),
           "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    with running(cmd, f"http://127.0.0.1:{port}/query?query=ASK%7B%7D"):
        yield f"http://127.0.0.1:{port}/query"


def test_build_into_remote_store_equals_embedded(
    tiny_built, oxigraph_server, tmp_path, monkeypatch
):
    corpus, store, _ = tiny_built
    graph.close_store(store)
    shutil.copytree(corpus, tmp_path / "corpus")
    # the parse cache of a remote store lives in .kg/parse-cache; reuse the tiny build's
    shutil.copytree(store / "parse-cache", tmp_path / ".kg" / "parse-cache")
    monkeypatch.chdir(tmp_path)

    r = runner.invoke(app, ["build", "corpus", "--store", oxigraph_server])
    assert r.exit_code == 0, r.output
    assert "rebuilt        3" in r.stdout
    remote = graph.export(graph.open_store(oxigraph_server), "nquads")
    local = graph.export(graph.open_store(store, create=False), "nquads")
    assert remote == local

    # a second build changes nothing, and reading commands work against the endpoint
    r = runner.invoke(app, ["build", "corpus", "--store", oxigraph_server])
    assert "unchanged      3" in r.stdout, r.output
    r = runner.invoke(app, ["stats", "--store", oxigraph_server])
    assert r.exit_code == 0 and "articles  3" in r.stdout
    r = runner.invoke(app, ["query", "ASK { kge:Huawei a kg:Company }", "--store", oxigraph_server])
    assert r.stdout.strip() == "true"


def test_a_rebuild_reads_little_from_the_endpoint(tiny_built, oxigraph_server, tmp_path,
                                                 monkeypatch):  # fmt: skip
    """kg build of an unchanged corpus asks the endpoint which articles it holds; it does not
    download the store: no GET of the Graph Store Protocol URL, no claim in any answer."""
    from servers import recording_proxy

    corpus, store, _ = tiny_built
    graph.close_store(store)
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(store / "parse-cache", tmp_path / ".kg" / "parse-cache")
    monkeypatch.chdir(tmp_path)
    with recording_proxy(oxigraph_server.removesuffix("/query")) as (base, records):
        r = runner.invoke(app, ["build", "corpus", "--store", f"{base}/query", "--jobs", "1"])
        assert r.exit_code == 0, r.output
        records.clear()
        r = runner.invoke(app, ["build", "corpus", "--store", f"{base}/query", "--jobs", "1"])
        assert "unchanged      3" in r.stdout, r.output
    assert records and [(m, p) for m, p, _ in records if m == "GET"] == []
    assert not [p for _, p, body in records if b"https://w3id.org/chipkg/claim/" in body]


MODES = ["refused", "garbage", "html", "error-500", "redirect", "wrong-shape", "empty",
         "truncated", "hang", "trickle", "endless"]  # fmt: skip


@pytest.mark.parametrize("mode", MODES)
def test_a_misbehaving_endpoint_is_one_line_and_a_bounded_wait(mode, tmp_path, monkeypatch):
    """build, stats and query against an endpoint that fails in `mode`: exit status 1, one
    line naming the endpoint, no traceback, within the request time limit (1 s here), and
    an endless answer read no further than the size limit (1 MB here)."""
    from servers import misbehaving_endpoint

    write_tiny_corpus(tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KG_REMOTE_TIMEOUT", "1")
    monkeypatch.setenv("KG_REMOTE_MAX_BYTES", "1000000")
    with misbehaving_endpoint(mode) as url:
        for args in (["build", "corpus", "--jobs", "1", "--no-validate"], ["stats"],
                     ["query", "SELECT ?s WHERE { ?s a kg:Company }"]):  # fmt: skip
            started = time.monotonic()
            r = runner.invoke(app, [*args, "--store", url])
            took = time.monotonic() - started
            assert isinstance(r.exception, SystemExit) and r.exit_code == 1, (args, r.output)
            assert r.stdout == "" and r.stderr.count("\n") == 1, (args, r.stderr)
            assert re.match(r"error: \[E0[45]\d\] .*127\.0\.0\.1", r.stderr), (args, r.stderr)
            assert r.stderr.rstrip("\n").isprintable(), r.stderr
            assert took < 5, (args, took)
