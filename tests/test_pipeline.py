"""kg.pipeline.build on a tiny corpus: real GiNZA, real Oxigraph, incremental rebuilds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg import graph
from kg.errors import CorpusError
from kg.parse import ONE_BLAS_THREAD
from kg.pipeline import build

BAD = Path(__file__).parent / "data" / "bad" / "binary.txt"


def cache_files(store: Path) -> dict[str, float]:
    root = graph.parse_cache_dir(store)
    return {str(p): p.stat().st_mtime_ns for p in root.rglob("*.spacy")}


def nquads(store: Path) -> str:
    return graph.export(graph.open_store(store, create=False), "nquads").decode()


def test_first_build_reads_everything(tiny_built):
    _, store, report = tiny_built
    assert report.articles == 3
    assert len(report.rebuilt) == 3 and report.unchanged == 0
    assert report.sentences_parsed == 5
    assert report.entities > 0
    keys = set(graph.stored_articles(graph.open_store(store)))
    assert keys == {"a/huawei.md", "a/smic.md", "b/nvidia.md"}


def test_second_build_parses_nothing_and_changes_nothing(tiny_copy):
    corpus, store = tiny_copy
    before, cache_before = nquads(store), cache_files(store)
    calls = []
    report = build([corpus], store=store, progress=lambda done, total: calls.append(done))
    assert report.unchanged == 3 and report.rebuilt == [] and report.removed == []
    assert report.sentences_parsed == 0 and calls == []
    assert cache_files(store) == cache_before
    assert nquads(store) == before


def test_editing_one_article_rebuilds_only_it(tiny_copy):
    corpus, store = tiny_copy
    path = corpus / "b" / "nvidia.md"
    path.write_text(path.read_text(encoding="utf-8") + "TSMCは台湾の企業だ。\n", "utf-8")
    calls = []
    report = build([corpus], store=store, progress=lambda done, total: calls.append(total))
    assert report.rebuilt == ["b/nvidia.md"] and report.unchanged == 2
    assert report.sentences_parsed == 2 and set(calls) == {2}
    stored = graph.stored_articles(graph.open_store(store))
    from kg.corpus import load_corpus

    new_hash = next(a for a in load_corpus(corpus).articles if a.key == "b/nvidia.md").content_hash
    assert stored["b/nvidia.md"].content_hash == new_hash


def test_deleting_one_article_removes_its_graph(tiny_copy):
    corpus, store = tiny_copy
    (corpus / "a" / "smic.md").unlink()
    report = build([corpus], store=store)
    assert report.removed == ["a/smic.md"] and report.unchanged == 2
    assert "a/smic.md" not in graph.stored_articles(graph.open_store(store))
    assert "article/a/smic.md" not in nquads(store)


def test_building_another_root_keeps_the_first(tiny_copy, tmp_path):
    corpus, store = tiny_copy
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(corpus / "b" / "nvidia.md", other / "extra.md")
    (other / "extra.md").write_text("---\ntitle: 別\n---\nTSMCは増産する。\n", "utf-8")
    report = build([other], store=store)
    assert report.removed == [] and report.rebuilt == ["extra.md"]
    assert len(graph.stored_articles(graph.open_store(store))) == 4


def test_strict_with_a_bad_file_writes_nothing(tiny_copy):
    corpus, store = tiny_copy
    shutil.copy(BAD, corpus / "a" / "zz-binary.txt")
    (corpus / "b" / "nvidia.md").write_text("---\ntitle: 変更\n---\n変更した本文。\n", "utf-8")
    before, cache_before = nquads(store), cache_files(store)
    with pytest.raises(CorpusError):
        build([corpus], store=store, strict=True)
    assert nquads(store) == before
    assert cache_files(store) == cache_before
    # without --strict the bad file is only reported
    report = build([corpus], store=store)
    assert [s.path for s in report.skipped] == ["a/zz-binary.txt"]
    assert report.rebuilt == ["b/nvidia.md"]


def test_min_confidence_changes_the_version(tiny_copy):
    from kg.pipeline import pipeline_version

    assert pipeline_version(0.5) != pipeline_version(0.0)
    corpus, store = tiny_copy
    report = build([corpus], store=store, min_confidence=0.5)
    assert report.sentences_parsed == 0 and len(report.rebuilt) == 3


def test_parser_pool_build_equals_single_process_build(tiny_built, tmp_path, monkeypatch):
    """`kg build --jobs 2`: two parser processes give the store one process gives."""
    corpus, store, _ = tiny_built
    expected = graph.export(graph.open_store(store, create=False), "nquads")
    shutil.copytree(corpus, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)  # corpus roots are recorded relative to the current dir
    import kg.pipeline

    monkeypatch.setattr(kg.pipeline, "POOL_MIN_CHARS", 10)  # the tiny corpus is small
    report = build(["corpus"], store="pool-store", n_process=2, validate=True)
    assert report.parsed_in == "2 spawned processes"
    assert report.rebuilt == ["a/huawei.md", "a/smic.md", "b/nvidia.md"]  # corpus order
    assert report.sentences_parsed > 0 and report.violations == []
    assert graph.export(graph.open_store("pool-store"), "nquads") == expected
    graph.close_store("pool-store")


def test_forked_parser_process_gives_the_same_graph(tiny_built, tmp_path):
    """A build with a few articles to parse, from a process with no other thread yet (as
    the `kg` command is), parses them in one process forked before the corpus is read; the
    store is the one an in-process build gives."""
    corpus, store, _ = tiny_built
    expected = graph.export(graph.open_store(store, create=False), "nquads")
    shutil.copytree(corpus, tmp_path / "corpus")
    script = (
        "from kg.pipeline import build\n"
        "r = build(['corpus'], store='forked', n_process=2, validate=True)\n"
        "print(r.parsed_in, '|', len(r.rebuilt), len(r.violations))\n"
    )
    env = {**os.environ, **ONE_BLAS_THREAD}  # numpy's BLAS would start threads otherwise
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "1 forked process | 3 0"
    assert graph.export(graph.open_store(tmp_path / "forked"), "nquads") == expected
    graph.close_store(tmp_path / "forked")


def test_errors_cross_process_boundaries_unchanged():
    """A KgError raised in a parser process reaches the driver with its text and fields."""
    import pickle

    err = pickle.loads(pickle.dumps(CorpusError("a.md", "not UTF-8")))
    assert isinstance(err, CorpusError) and str(err) == "[E010] a.md: not UTF-8"
    assert (err.path, err.reason) == ("a.md", "not UTF-8")
