"""`--store URL`: building into a running Oxigraph server gives the same graph as building
into the embedded store, and every command reads from it."""

from __future__ import annotations

import shutil

import pytest
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


def test_unreachable_endpoint_is_one_line(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/query"
    r = runner.invoke(app, ["stats", "--store", url])
    assert r.exit_code == 1
    assert r.stderr.startswith("error: [E040] SPARQL endpoint") and r.stderr.count("\n") == 1
