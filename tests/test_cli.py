"""The `kg` command, through typer's CliRunner (same process, real store)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import write_tiny_corpus
from typer.testing import CliRunner

from kg import graph
from kg.cli import app

runner = CliRunner()


def kg(*args: str, ok: bool = True):
    result = runner.invoke(app, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_help_is_instant_and_complete():
    out = subprocess.run(
        [sys.executable, "-c", "import sys; import kg.cli; print('spacy' in sys.modules, "
         "'rdflib' in sys.modules, 'pyoxigraph' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert out.stdout.strip() == "False False False"
    text = kg("--help").output
    for command in ("build", "query", "export", "stats", "eval", "why"):
        assert command in text
        assert "--store" in kg(command, "--help").output


def test_build_and_rebuild(tiny_copy):
    corpus, store = tiny_copy
    r = kg("build", corpus, "--store", store)
    assert "articles read  3" in r.stdout and "unchanged      3" in r.stdout
    (corpus / "a" / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    r = kg("build", corpus, "--store", store)
    assert "skipped        1" in r.stdout
    assert r.stderr.startswith("warning: a/junk.txt: ")


def test_build_strict_fails_in_one_line(tiny_copy):
    corpus, store = tiny_copy
    (corpus / "a" / "junk.txt").write_bytes(b"\x00\x01\x02" * 100)
    r = kg("build", corpus, "--strict", "--store", store, ok=False)
    assert r.exit_code == 1
    assert r.stderr.startswith("error: [E010] a/junk.txt") and r.stderr.count("\n") == 1
    assert "Traceback" not in r.output


def test_store_from_environment(hand_store, monkeypatch):
    monkeypatch.setenv("KG_STORE", str(hand_store))
    assert "articles  2" in kg("stats").stdout


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_query_formats(hand_store, fmt, tmp_path):
    q = "SELECT ?e ?l WHERE { ?e a kg:Company ; rdfs:label ?l } ORDER BY ?e ?l"
    out = kg("query", q, "--format", fmt, "--store", hand_store).stdout
    if fmt == "table":
        assert "kge:Alpha" in out and "アルファ@ja" in out
    elif fmt == "json":
        data = json.loads(out)
        assert data["head"]["vars"] == ["e", "l"]
        assert data["results"]["bindings"][0]["l"]["value"]
    else:
        assert out.splitlines()[0] == "e,l"
        assert "https://w3id.org/chipkg/entity/Alpha,Alpha" in out
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?s kg:competesWith ?o }")
    assert kg("query", rq, "--format", fmt, "--store", hand_store).stdout.strip() in (
        "true",
        '{"head": {}, "boolean": true}',
    )


def test_query_errors_are_one_line(hand_store, tmp_path):
    r = kg("query", "SELECT ?x WHERE { ?x a art:bad/path }", "--store", hand_store, ok=False)
    assert r.exit_code == 1 and r.stderr.startswith("error: [E050] malformed SPARQL")
    assert r.stderr.count("\n") == 1
    r = kg("query", "missing.rq", "--store", hand_store, ok=False)
    assert (
        r.stderr.strip()
        == "error: [E050] no query file missing.rq; pass a .rq file or the query text"
    )
    r = kg("stats", "--store", tmp_path / "nowhere", ok=False)
    assert r.stderr.startswith("error: [E040] no store at") and r.stderr.count("\n") == 1


@pytest.mark.parametrize("fmt", ["nquads", "trig", "turtle", "jsonld"])
def test_export(hand_store, fmt, tmp_path):
    out = tmp_path / f"export.{fmt}"
    kg("export", "--format", fmt, "-o", out, "--store", hand_store)
    data = out.read_bytes()
    assert b"https://w3id.org/chipkg/entity/Alpha" in data or b"kge:Alpha" in data
    if fmt == "nquads":
        assert kg("export", "--store", hand_store).stdout_bytes == data
        lines = data.decode().splitlines()
        assert lines == sorted(lines)
    if fmt == "jsonld":
        json.loads(data)


def test_stats(hand_store):
    out = kg("stats", "--store", hand_store).stdout
    assert "articles  2" in out
    assert "denied              1" in out
    assert "suppliesTo          4" in out
    assert "kge:Alpha" in out and "アルファ" in out


def test_eval(hand_store, gold_files):
    ents, rels = gold_files
    out = kg(
        "eval", "--entities", ents, "--relations", rels, "--show", "--by-modality",
        "--store", hand_store,
    ).stdout  # fmt: skip
    assert "overall" in out and "0.60" in out and "0.50" in out
    assert "gold entities found: 4/5" in out
    assert "modality accuracy on matched facts: 1/3" in out
    assert "アルファ suppliesTo Xeno" in out


def test_why(hand_store):
    out = kg("why", "アルファ", "competesWith", "gamma", "--store", hand_store).stdout
    # symmetric: the claim in one.md (Alpha, Gamma) and in two.md (Gamma, Alpha)
    assert out.count("modality asserted") == 2
    assert "記事 one.md" in out and "記事 two.md" in out
    out = kg("why", "Beta", "suppliesTo", "Alpha", "--store", hand_store).stdout
    assert "reported by 関係者" in out and "rule test.v1/suppliesTo" in out
    out = kg("why", "Gamma", "acquires", "Delta", "--store", hand_store).stdout
    assert "modality denied" in out
    r = kg("why", "Gamma", "likes", "Delta", "--store", hand_store, ok=False)
    assert r.stderr.startswith("error: [E050] unknown relation 'likes'")


def test_console_script_output_is_whole_and_exit_status_kept(tmp_path):
    """`kg` ends its process with os._exit after a command (kg.cli.main): what it printed
    must all be there, its exit status kept, and the store it built whole."""
    corpus = write_tiny_corpus(tmp_path / "corpus")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "kg.cli", *map(str, args)], cwd=tmp_path, capture_output=True
        )

    built = run("build", corpus, "--store", "store")
    assert built.returncode == 0, built.stderr
    assert b"rebuilt        3" in built.stdout
    exported = run("export", "--store", "store")
    assert exported.returncode == 0, exported.stderr
    missing = run("query", "--saved", "nope", "--store", "store")
    assert missing.returncode == 1 and missing.stdout == b""
    assert missing.stderr.decode().startswith("error: [E050] no saved query 'nope'")
    store = graph.open_store(tmp_path / "store", create=False)
    assert exported.stdout == graph.export(store, "nquads")
    assert graph.totals(store)["claims"] > 0
    graph.close_store(tmp_path / "store")
