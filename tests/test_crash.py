"""Crash safety: `kg build` killed with SIGKILL at chosen points leaves a usable store.

Store A is a clean build of 20 articles. Every article is then changed (one sentence added),
one is deleted and one is added (corpus B). Real `kg build` processes update copies of store A
to B and are SIGKILLed before, during or after the N-th article write (the child wraps
`kg.graph.write_article`; the library has no test hook), right after the N-th change of the
store (the child wraps the store: a write made of two changes, such as DROP then INSERT, is
caught between them), or from outside at a random moment of the writes. After each kill the
store must open, every article graph of A that B keeps must still be there, and every graph
must equal its graph in the clean build of A or in the clean build of B (never missing, empty
or half-written); a rerun must then give exactly the clean build of B (same graphs,
byte-identical sorted N-Quads export).
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from robust import graph_quads

from kg import graph
from kg.corpus import format_article, load_corpus
from kg.parse import split_sentences
from kg.vocab import ONTOLOGY_GRAPH

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
N_ARTICLES = 20
EXTRA = [
    "東京エレクトロンは、SMICに半導体製造装置を供給している。",
    "キオクシアは東京に本社を置く。",
    "ASMLはオランダに本社を置く半導体製造装置メーカーだ。",
    "ラピダスはIBMと提携している。",
    "米国は中国への半導体製造装置の輸出を規制している。",
]

# Runs `kg` with kg.graph.write_article wrapped to SIGKILL the process at write KILL_AT (a new
# article, the 20th write, goes through Store.extend, the others through a SPARQL update):
# "before" it, "during" it (a timer fires KILL_DELAY s into the update) or "after" it; or
# with the store wrapped to SIGKILL it right after its KILL_AT-th change ("after-change");
# or ("announce") writing "write N" on stderr as write N starts, for a kill from outside.
CHILD = """
import os, signal, sys, threading, time
import pyoxigraph as ox
import kg.graph
at, mode = int(os.environ["KILL_AT"]), os.environ["KILL_MODE"]
delay = float(os.environ.get("KILL_DELAY", "0"))
real, count, changes = kg.graph.write_article, [0], [0]
def die():
    os.kill(os.getpid(), signal.SIGKILL)
def write_article(store, graph, quads, **kw):
    count[0] += 1
    if mode == "announce":
        os.write(2, f"write {count[0]}\\n".encode())
    if count[0] != at or mode in ("after-change", "announce"):
        return real(store, graph, quads, **kw)
    if mode == "before":
        die()
    if mode == "during":
        threading.Timer(delay, die).start()
    real(store, graph, quads, **kw)
    die()
    time.sleep(60)
class Changes:
    def __init__(self, store):
        self.store = store
    @property
    def __class__(self):
        return ox.Store
    def __getattr__(self, name):
        return getattr(self.store, name)
    def change(self, name, *args, **kw):
        result = getattr(self.store, name)(*args, **kw)
        changes[0] += 1
        if changes[0] == at:
            die()
        return result
    def update(self, *args, **kw):
        return self.change("update", *args, **kw)
    def extend(self, *args, **kw):
        return self.change("extend", *args, **kw)
    def remove_graph(self, *args, **kw):
        return self.change("remove_graph", *args, **kw)
    def clear_graph(self, *args, **kw):
        return self.change("clear_graph", *args, **kw)
kg.graph.write_article = write_article
if mode == "after-change":
    open_store = kg.graph.open_store
    kg.graph.open_store = lambda *args, **kw: Changes(open_store(*args, **kw))
from kg.cli import app
app(sys.argv[1:], prog_name="kg")
"""


def corpus_texts() -> list[str]:
    """20 distinct article bodies of 3 sentences each, cut from the committed corpus."""
    sentences = [
        s.text
        for a in load_corpus([CORPUS]).articles
        for s in split_sentences(a.text)
        if len(s.text) >= 25
    ]
    assert len(sentences) >= 3 * (N_ARTICLES + 1)
    return ["\n".join(sentences[3 * i : 3 * i + 3]) for i in range(N_ARTICLES + 1)]


def write_corpus(root: Path, version: str) -> None:
    texts = corpus_texts()
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    keys = range(N_ARTICLES) if version == "A" else range(1, N_ARTICLES + 1)
    for i in keys:
        text = texts[i] if version == "A" else texts[i] + "\n" + EXTRA[i % len(EXTRA)]
        body = format_article(text, title=f"記事{i}", date="2024-06-01", source="テスト")
        (corpus / f"a{i:02d}.md").write_text(body, encoding="utf-8")


def clean_build(root: Path) -> dict[str, set[str]]:
    from kg.pipeline import build

    with contextlib.chdir(root):
        build(["corpus"], store="store")
    graph.close_store(root / "store")
    return graph_quads(root / "store")


def export(root: Path) -> bytes:
    store = graph.open_store(root / "store", create=False)
    try:
        return graph.export(store, "nquads")
    finally:
        del store
        graph.close_store(root / "store")


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    base = tmp_path_factory.mktemp("crash")
    write_corpus(base / "A", "A")
    write_corpus(base / "B", "B")
    quads_a = clean_build(base / "A")
    quads_b = clean_build(base / "B")
    assert len([g for g in quads_a if g.startswith("https://w3id.org/chipkg/article/")]) == 20
    return base, quads_a, quads_b, export(base / "B")


def scenario(stores, name: str) -> Path:
    """Corpus B over a copy of store A, with B's parses cached (the child only writes)."""
    base = stores[0]
    work = base / name
    shutil.copytree(base / "B" / "corpus", work / "corpus")
    shutil.copytree(base / "A" / "store", work / "store", ignore=shutil.ignore_patterns("LOCK"))
    shutil.copytree(
        base / "B" / "store" / "parse-cache", work / "store" / "parse-cache", dirs_exist_ok=True
    )
    return work


def check_after_kill(stores, work: Path) -> int:
    """Every graph of A that B keeps still there, every graph wholly A or wholly B; returns
    how many article graphs are B's."""
    _, quads_a, quads_b, _ = stores
    now = graph_quads(work / "store")
    assert now.get(ONTOLOGY_GRAPH) == quads_a[ONTOLOGY_GRAPH]
    missing = sorted(set(quads_a) & set(quads_b) - set(now))
    assert missing == [], f"graphs gone after the kill: {missing}"
    new = 0
    for g, quads in now.items():
        if g == ONTOLOGY_GRAPH:
            continue
        assert g in quads_a or g in quads_b, f"unexpected graph {g}"
        if quads == quads_b.get(g):
            new += 1
        else:
            assert quads == quads_a.get(g), f"graph {g} is neither the old nor the new one"
    return new


def rerun_equals_clean(stores, work: Path) -> None:
    _, _, quads_b, export_b = stores
    assert clean_build(work) == quads_b
    assert export(work) == export_b


def run_child(work: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, "build", "corpus", "--store", "store"],
        cwd=work, capture_output=True, text=True, timeout=300,
        env={**os.environ, **{k.upper(): str(v) for k, v in env.items()}},
    )  # fmt: skip


# (write number, mode, delay): the first write, mid-update, the middle, the last write; and
# right after the 8th change of the store
KILLS = [(1, "before", 0), (1, "during", 0.0005), (8, "during", 0.002), (13, "after", 0),
         (20, "during", 0.0005), (20, "after", 0), (8, "after-change", 0)]  # fmt: skip


@pytest.mark.parametrize(("at", "mode", "delay"), KILLS)
def test_sigkill_at_a_write_leaves_old_or_new_graphs(stores, at, mode, delay) -> None:
    work = scenario(stores, f"kill-{at}-{mode}")
    r = run_child(work, kill_at=at, kill_mode=mode, kill_delay=delay)
    assert r.returncode == -signal.SIGKILL, r.stderr[-2000:]
    new = check_after_kill(stores, work)
    # a01..a19 are rewritten in order, then a20 is added: writes before the kill are B's
    # (one change of the store per write: the ontology graph is unchanged)
    done = at - 1 if mode == "before" else at
    assert new in ({done, done - 1} if mode == "during" else {done}), new
    rerun_equals_clean(stores, work)


def test_sigkill_at_a_random_moment_of_the_writes(stores) -> None:
    """From outside, at a random write (the child says when each starts) plus a random
    delay of up to 3 ms: a different moment every run (the seed is in the failure message)."""
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    at, delay = rng.randint(1, N_ARTICLES), rng.uniform(0, 0.003)
    work = scenario(stores, "kill-timed")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, "build", "corpus", "--store", "store"],
        cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "KILL_AT": "0", "KILL_MODE": "announce"},
    )  # fmt: skip
    for line in proc.stderr:
        if line == f"write {at}\n".encode():
            time.sleep(delay)
            proc.send_signal(signal.SIGKILL)
            break
    proc.stderr.close()
    assert proc.wait() == -signal.SIGKILL, f"seed {seed}: the build ended before write {at}"
    new = check_after_kill(stores, work)
    assert new in (at - 1, at), f"seed {seed}: kill at write {at} + {delay * 1000:.1f} ms"
    rerun_equals_clean(stores, work)
