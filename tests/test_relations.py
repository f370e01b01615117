"""Relations: constructions the extractor must read, modality, and the scores on our own
test set (tests/data/eval: 234 sentences we wrote, 62 hard negatives) and on the seed gold.

The thresholds sit a little under the measured scores so that a regression fails the run.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from kg.entities import link_article
from kg.parse import load_model, split_sentences
from kg.relations import Context, extract_article, extract_sentence
from kg.vocab import KGE

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def nlp():
    return load_model()


def facts(nlp, text: str) -> set[tuple[str, str, str, str]]:
    """(subject, relation, object, modality) read from `text`, local names of gazetteer IRIs."""
    from kg.parse import ParsedArticle

    sents = split_sentences(text)
    docs = [nlp(s.text) for s in sents]
    ae = link_article(docs)
    out = set()
    for f in extract_article(ParsedArticle("t", sents, docs, cached=False), ae):
        out.add((f.s.removeprefix(str(KGE)), f.p, f.o.removeprefix(str(KGE)), f.modality))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "2021年に設立され、深セン市政府が所有するSiCarrierは、主にファーウェイのサプライヤーと見られている。",
            {
                ("SiCarrier", "ownedBy", "Shenzhen_government", "asserted"),
                ("SiCarrier", "suppliesTo", "Huawei", "hedged"),
            },
        ),
        (
            "そのため、SiCarrierはKLA 、米Lam Research 、東京エレクトロン などと競合する。",
            {
                ("KLA", "competesWith", "SiCarrier", "asserted"),
                ("Lam_Research", "competesWith", "SiCarrier", "asserted"),
                ("SiCarrier", "competesWith", "Tokyo_Electron", "asserted"),
                ("Lam_Research", "basedIn", "United_States", "asserted"),
            },
        ),
        (
            "アリババ傘下の金融会社アント・グループは、華為技術(ファーウェイ)製の国産チップを使ってAIモデルを訓練する技術を開発した。",
            {
                ("Ant_Group", "subsidiaryOf", "Alibaba", "asserted"),
                ("Ant_Group", "uses", "Huawei", "asserted"),
            },
        ),
        (
            "米国による145%の対中追加関税と中国の125%の報復関税は、どちらも持続不可能だ。",
            {
                ("United_States", "imposesTariffOn", "China", "asserted"),
                ("China", "imposesTariffOn", "United_States", "asserted"),
            },
        ),
        (
            "東京エレクトロンは、SMICに半導体製造装置を供給している。",
            {("Tokyo_Electron", "suppliesTo", "SMIC", "asserted")},
        ),
        (
            "サムスン電子はASMLから露光装置を調達した。",
            {("ASML", "suppliesTo", "Samsung_Electronics", "asserted")},
        ),
        (
            "ソフトバンクグループは2016年にアームを買収した。",
            {("SoftBank_Group", "acquires", "Arm", "asserted")},
        ),
        (
            "米商務省はファーウェイをエンティティーリストに追加した。",
            {("United_States", "restrictsExportsTo", "Huawei", "asserted")},
        ),
        (
            "ファーウェイは米商務省によってエンティティーリストに追加された。",
            {("United_States", "restrictsExportsTo", "Huawei", "asserted")},
        ),
        (
            "関係者によると、TSMCはエヌビディアのAIチップを製造している。",
            {("TSMC", "manufacturesFor", "Nvidia", "reported")},
        ),
        ("インテルはTSMCとの提携を検討している。", {("Intel", "partnersWith", "TSMC", "planned")}),
        # the parser makes SMIC the subject of 加えた: the agent is the sentence's topic
        # (と発表した makes the claim planned: GUIDELINES "発表 → planned")
        (
            "米商務省は18日、中国の半導体受託生産最大手、中芯国際集成電路製造(SMIC)や、ドローン大手の"
            "大疆創新科技(DJI)など中国企業60社あまりをエンティティーリストに加えたと発表した。",
            {
                ("United_States", "restrictsExportsTo", "SMIC", "planned"),
                ("United_States", "restrictsExportsTo", "DJI", "planned"),
            },
        ),
        # a tariff on a country's goods is a tariff on the country
        (
            "米政府は15日、中国製品に25%の追加関税を課した。",
            {("United_States", "imposesTariffOn", "China", "asserted")},
        ),
        # 向け as a noun, and an argument hung on 原則(として) or on the goods
        (
            "中国政府は、米国向けの輸出を原則として禁止すると発表した。",
            {("China", "restrictsExportsTo", "United_States", "planned")},
        ),
        (
            "日本政府は、韓国向けのフッ化水素の輸出を原則として禁止した。",
            {("Japan", "restrictsExportsTo", "South_Korea", "asserted")},
        ),
    ],
)
def test_constructions(nlp, text, expected):
    got = facts(nlp, text)
    assert expected <= got, got


@pytest.mark.parametrize(
    "text",
    [
        "ファーウェイはSiCarrierに出資していないと述べた。",
        "SMICはファーウェイからの受注を否定した。",
        "仮にエヌビディアがアームを買収すれば、競争が損なわれる。",
        "トランプ氏は習近平国家主席と会談した。",
        "TSMCの市場シェアはサムスン電子を上回った。",
    ],
)
def test_denials_hypotheticals_and_non_relations_assert_nothing(nlp, text):
    assert not {f for f in facts(nlp, text) if f[3] != "denied"}


def test_a_denied_statement_is_kept_as_a_denied_claim(nlp):
    got = facts(nlp, "ファーウェイはSiCarrierに出資していないと述べた。")
    assert ("Huawei", "investsIn", "SiCarrier", "denied") in got


def test_coreference_of_dosha_reaches_back_to_the_previous_sentence(nlp):
    text = "世界的な競争力を持つDeepSeekのモデルは注目されている。同社はアリババと提携した。"
    assert ("Alibaba", "partnersWith", "DeepSeek", "asserted") in facts(nlp, text)


def test_context_carries_across_sentences(nlp):
    ctx = Context()
    d1, d2 = nlp("エヌビディアはH20を発表した。"), nlp("同社はTSMCと提携した。")
    ae = link_article([d1, d2])
    extract_sentence(d1, ae.mentions[0], ctx)
    out = extract_sentence(d2, ae.mentions[1], ctx)
    assert any(r == "partnersWith" and {a.iri, b.iri} == {f"{KGE}Nvidia", f"{KGE}TSMC"}
               for r, a, b, *_ in out)  # fmt: skip


# ----------------------------------------------------------------- scores


def _score(tmp_path_factory, corpus: Path, entities: Path, relations: Path):
    from kg import graph
    from kg.evaluate import evaluate, load_gold
    from kg.pipeline import build

    base = tmp_path_factory.mktemp("eval")
    with contextlib.chdir(base):
        build([str(corpus)], store="store")
        store = graph.open_store("store", create=False)
        result = evaluate(store, load_gold([entities], [relations]))
        graph.close_store("store")
    return result


@pytest.mark.parametrize(
    ("split", "min_p", "min_r"),
    [("dev", 0.93, 0.70), ("holdout", 0.93, 0.65)],
)
def test_own_test_set_scores(tmp_path_factory, split, min_p, min_r):
    d = DATA / "eval" / split
    ev = _score(tmp_path_factory, d / "corpus", d / "entities.jsonl", d / "relations.jsonl")
    assert ev.overall.precision >= min_p, ev.overall
    assert ev.overall.recall >= min_r, ev.overall
    assert not ev.split, ev.split


def test_seed_gold_scores(tmp_path_factory):
    root = Path(__file__).parent.parent
    g = DATA / "seed-gold"
    ev = _score(tmp_path_factory, root / "corpus", g / "seed-entities.jsonl",
                g / "seed-relations.jsonl")  # fmt: skip
    assert ev.overall.precision >= 0.90, ev.overall
    assert ev.overall.recall >= 0.88, ev.overall
    assert ev.entities_found == ev.entities_total
    assert not ev.split, ev.split


def test_hard_negatives_yield_no_facts(nlp):
    """No claim other than a denied one comes from a sentence listed as a hard negative."""
    from kg.corpus import load_corpus
    from kg.parse import ParseCache, parse_texts

    for split in ("dev", "holdout"):
        d = DATA / "eval" / split
        negatives = [x.strip() for x in (d / "negatives.txt").read_text("utf-8").splitlines()]
        negatives = [x for x in negatives if x]
        assert len(negatives) >= 20
        corpus = load_corpus([d / "corpus"])
        parsed = parse_texts([a.text for a in corpus.articles], cache=ParseCache(
            Path(__file__).parent.parent / ".kg" / "test-parse-cache"))  # fmt: skip
        wrong = [
            (f.p, f.s_text, f.o_text, f.sentence)
            for p in parsed
            for f in extract_article(p, link_article(p.docs))
            if f.modality != "denied" and any(n in f.sentence or f.sentence in n for n in negatives)
        ]
        assert not wrong, wrong
