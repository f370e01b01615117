"""Shared fixtures: a tiny corpus, a store built from it by the real pipeline (GiNZA and
Oxigraph), and a store written by hand with known facts and claims (for eval and why)."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from kg import graph
from kg.corpus import Article
from kg.entities import ArticleEntities, Entity
from kg.relations import Fact
from kg.vocab import KGE, WD

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path | None:
    """The team's shared material (gold sets, reference lists): ../shared beside the checkout,
    else $KG_SHARED, else /work/shared. None when none exists (tests needing it are skipped)."""
    import os

    for candidate in (REPO.parent / "shared", os.environ.get("KG_SHARED"), "/work/shared"):
        if candidate and Path(candidate, "gold").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path of the shared material; skips the test where it is not on this machine."""
    found = shared_dir()
    if found is None:
        pytest.skip("the shared gold and reference data (../shared) is not on this machine")
    return found

@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (tests/browser.py), one for the session."""
    from browser import Browser, find_chromium

    if not find_chromium():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    with Browser() as b:
        yield b


TINY = {
    "a/huawei.md": """---
title: ファーウェイ、新型チップを発表
date: 2024-05-01
source: テスト通信
url: https://example.com/news/1
---
ファーウェイは新しいAIチップを発表した。
SiCarrierはファーウェイのサプライヤーと見られている。
""",
    "a/smic.md": """---
title: SMICが増産
date: 2024-05-02
source: テスト通信
---
中芯国際集成電路製造(SMIC)は上海で生産を拡大する。
米国は中国への輸出規制を強化した。
""",
    "b/nvidia.md": """---
title: エヌビディアの新製品
source: テスト新聞
---
エヌビディアはTSMCに製造を委託している。
""",
}


def write_tiny_corpus(root: Path) -> Path:
    for rel, text in TINY.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def tiny_built(tmp_path_factory):
    """(corpus dir, store dir, first BuildReport) of the tiny corpus, built once per session."""
    from kg.pipeline import build

    base = tmp_path_factory.mktemp("tiny")
    write_tiny_corpus(base / "corpus")
    with contextlib.chdir(base):  # corpus roots are recorded relative to the current dir
        report = build(["corpus"], store="store")
    return base / "corpus", base / "store", report


@pytest.fixture
def tiny_copy(tiny_built, tmp_path, monkeypatch):
    """A private copy of the tiny corpus and its built store, for tests that change them.

    The current directory is the copy's parent, and the paths returned are relative to it.
    """
    corpus, store, _ = tiny_built
    graph.close_store(store)
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(store, tmp_path / "store", ignore=shutil.ignore_patterns("LOCK"))
    monkeypatch.chdir(tmp_path)
    return Path("corpus"), Path("store")


# ----------------------------------------------------------------- hand-written facts


def ent(local: str, cls: str = "Company", *, en=None, ja=None, aliases=(), tickers=()) -> Entity:
    return Entity(
        iri=str(KGE[local]), cls=cls, label_en=en, label_ja=ja,
        aliases=tuple(aliases), tickers=tuple(tickers),
        same_as=str(WD["Q1"]) if local == "Alpha" else None,
    )  # fmt: skip


def fact(s: Entity, p: str, o: Entity, modality: str = "asserted", start: int = 0, **kw) -> Fact:
    sentence = kw.pop("sentence", f"{s.label}と{o.label}の文。")
    return Fact(
        s=s.iri, p=p, o=o.iri, modality=modality, sentence_index=0,
        char_start=start, char_end=start + len(sentence), sentence=sentence,
        s_text=s.label, o_text=o.label, cue=kw.pop("cue", "テスト"),
        rule=kw.pop("rule", f"test.v1/{p}"), confidence=kw.pop("confidence", 0.9), **kw,
    )  # fmt: skip


ALPHA = ent("Alpha", en="Alpha", ja="アルファ")
ALPHA2 = ent("Alpha_Inc", en="Alpha Inc", aliases=("アルファ",))  # the same company, split
BETA = ent("Beta", en="Beta", ja="ベータ", tickers=("BETA.O",))
GAMMA = ent("Gamma", en="Gamma")
DELTA = ent("Delta", en="Delta")
XENO = ent("Xeno", en="Xeno")


def article(key: str, text: str = "本文。", **kw) -> Article:
    return Article(path=key, part=0, text=text, **kw)


def write_hand_article(store, key: str, entities: list[Entity], facts: list[Fact], **kw) -> str:
    art = article(key, **kw)
    ae = ArticleEntities(
        mentions=[],
        entities={e.iri: e for e in entities},
        surface={e.iri: {e.label} for e in entities},
    )
    iri = graph.article_iri(art.key)
    graph.write_article(store, iri, graph.article_quads(art, ae, facts, extractor="test"))
    return iri


HAND_FACTS = {
    "one.md": [
        fact(ALPHA, "suppliesTo", BETA, "asserted", 0),
        fact(ALPHA, "competesWith", GAMMA, "asserted", 10),
        fact(DELTA, "partnersWith", BETA, "asserted", 20),
        fact(ALPHA, "suppliesTo", XENO, "hedged", 30),
    ],
    "two.md": [
        fact(GAMMA, "competesWith", ALPHA, "asserted", 0),
        fact(BETA, "suppliesTo", ALPHA, "reported", 10, reported_by="関係者"),
        fact(ALPHA2, "suppliesTo", BETA, "asserted", 20),
        fact(GAMMA, "acquires", DELTA, "denied", 30, sentence="GammaはDeltaを買収していない。"),
    ],
}


def write_hand_store(store_dir: Path):
    store = graph.open_store(store_dir)
    graph.write_ontology(store, graph_ontology_path())
    everyone = [ALPHA, ALPHA2, BETA, GAMMA, DELTA, XENO]
    for key, facts in HAND_FACTS.items():
        used = {f.s for f in facts} | {f.o for f in facts}
        write_hand_article(
            store, key, [e for e in everyone if e.iri in used], facts,
            title=f"記事 {key}", date="2024-01-02",
        )  # fmt: skip
    return store


def graph_ontology_path() -> Path:
    from kg.vocab import ontology_dir

    return ontology_dir() / "kg.ttl"


@pytest.fixture(scope="session")
def hand_store(tmp_path_factory):
    """Store directory holding two hand-written article graphs with known facts."""
    path = tmp_path_factory.mktemp("hand") / "store"
    write_hand_store(path)
    return path


GOLD_ENTITIES = [
    {"id": "alpha", "type": "Company", "names": ["Alpha", "アルファ"]},
    {"id": "beta", "type": "Company", "names": ["ＢＥＴＡ"]},  # NFKC + casefold -> beta
    {"id": "gamma", "type": "Company", "names": ["Gamma"]},
    {"id": "delta", "type": "Company", "names": ["Delta"]},
    {"id": "eps", "type": "Company", "names": ["Epsilon"]},
]
GOLD_RELATIONS = [
    {"s": "alpha", "p": "suppliesTo", "o": "beta", "modality": "hedged", "evidence": "AはBに供給",
     "source": "x.txt", "optional": False},
    {"s": "gamma", "p": "competesWith", "o": "alpha", "modality": "asserted",
     "evidence": "GはAと競合", "source": "x.txt", "optional": False},
    {"s": "beta", "p": "partnersWith", "o": "delta", "modality": "asserted", "evidence": "提携",
     "source": "x.txt", "optional": True},
    {"s": "delta", "p": "acquires", "o": "eps", "modality": "asserted", "evidence": "買収",
     "source": "y.txt", "optional": False},
    {"s": "alpha", "p": "uses", "o": "gamma", "modality": "planned", "evidence": "採用を検討",
     "source": "y.txt", "optional": False},
]  # fmt: skip


@pytest.fixture(scope="session")
def gold_files(tmp_path_factory):
    import json

    d = tmp_path_factory.mktemp("gold")
    ents, rels = d / "entities.jsonl", d / "relations.jsonl"
    ents.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in GOLD_ENTITIES))
    rels.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in GOLD_RELATIONS))
    return ents, rels
