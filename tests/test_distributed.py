"""`kg build --executor dask`: a 2-worker local cluster builds the same graph."""

from __future__ import annotations

import pytest

from kg import graph
from kg.pipeline import build

pytest.importorskip("distributed")


def test_dask_build_equals_single_process_build(tiny_built, tmp_path, monkeypatch):
    corpus, store, _ = tiny_built
    expected = graph.export(graph.open_store(store, create=False), "nquads")
    import shutil

    shutil.copytree(corpus, tmp_path / "corpus")
    monkeypatch.chdir(tmp_path)  # corpus roots are recorded relative to the current dir
    report = build(["corpus"], store="dask-store", executor="dask", n_process=2)
    assert sorted(report.rebuilt) == ["a/huawei.md", "a/smic.md", "b/nvidia.md"]
    assert graph.export(graph.open_store("dask-store"), "nquads") == expected
    again = build(["corpus"], store="dask-store", executor="dask")  # nothing to do
    assert again.unchanged == 3 and again.rebuilt == []
    graph.close_store("dask-store")
