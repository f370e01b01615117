"""Relations: constructions the extractor must read, modality, and the scores on our own
test set (tests/data/eval: 234 sentences we wrote, 62 hard negatives) and on the seed gold.

The thresholds sit a little under the measured scores so that a regression fails the run.
"""

from __future__ import annotations

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
        # (an announcement of what has happened, 加えたと発表した, is asserted)
        (
            "米商務省は18日、中国の半導体受託生産最大手、中芯国際集成電路製造(SMIC)や、ドローン大手の"
            "大疆創新科技(DJI)など中国企業60社あまりをエンティティーリストに加えたと発表した。",
            {
                ("United_States", "restrictsExportsTo", "SMIC", "asserted"),
                ("United_States", "restrictsExportsTo", "DJI", "asserted"),
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
    from conftest import cached_build

    from kg import graph
    from kg.evaluate import evaluate, load_gold

    store = cached_build([corpus], tmp_path_factory.mktemp("eval") / "store")
    ox_store = graph.open_store(store, create=False, read_only=True)
    result = evaluate(ox_store, load_gold([entities], [relations]))
    graph.close_store(store)
    return result


# Measured scores; each test allows MARGIN below them, in precision and in recall alike.
MARGIN = 0.03
MEASURED = {  # (precision, recall), the rules and the shipped scorer together
    "dev": (0.97, 0.84),
    "holdout": (0.95, 0.72),
    "news-a": (0.84, 0.45),
    "news-b": (0.87, 0.46),
    "seed": (0.86, 0.93),
    "real": (0.84, 0.49),
}


@pytest.mark.parametrize("split", ["dev", "holdout", "news-a", "news-b"])
def test_own_test_set_scores(tmp_path_factory, split):
    d = DATA / "eval" / split
    ev = _score(tmp_path_factory, d / "corpus", d / "entities.jsonl", d / "relations.jsonl")
    p, r = MEASURED[split]
    assert ev.overall.precision >= p - MARGIN, ev.overall
    assert ev.overall.recall >= r - MARGIN, ev.overall
    if split in ("dev", "holdout"):
        assert not ev.split, ev.split


def test_real_news_scores(real_store, shared):
    """The real-news gold set, all 48 articles (../shared/gold/real)."""
    from kg import graph
    from kg.evaluate import evaluate, load_gold

    gold = shared / "gold"
    store = graph.open_store(real_store, create=False, read_only=True)
    ev = evaluate(
        store,
        load_gold(
            [gold / "real" / "entities.jsonl", gold / "seed-entities.jsonl"],
            [gold / "real" / "relations.jsonl"],
        ),
    )
    p, r = MEASURED["real"]
    assert ev.overall.precision >= p - MARGIN, ev.overall
    assert ev.overall.recall >= r - MARGIN, ev.overall


def test_seed_gold_scores(tmp_path_factory):
    root = Path(__file__).parent.parent
    g = DATA / "seed-gold"
    ev = _score(tmp_path_factory, root / "corpus", g / "seed-entities.jsonl",
                g / "seed-relations.jsonl")  # fmt: skip
    p, r = MEASURED["seed"]
    assert ev.overall.precision >= p - MARGIN, ev.overall
    assert ev.overall.recall >= r - MARGIN, ev.overall
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


# ----------------------------------------------------------------- real-news constructions
# Each rule written for real news has a sentence of our own here (none comes from a gold
# file). `must` facts are (subject, relation, object) local names; `must_not` ones may not
# be found. Names outside the gazetteer are written as they appear (see `_local`).


def _local(name: str) -> str:
    from kg.entities import resolve_name

    return resolve_name(name).removeprefix(str(KGE))


def triples(nlp, text: str) -> set[tuple[str, str, str]]:
    return {(s, p, o) for s, p, o, _ in facts(nlp, text)}


REAL_TEXT = [
    # a fact about a group of firms passes to the members a later sentence lists
    (
        "米商務省は20日、中国企業12社をエンティティーリストに追加した。"
        "12社には長鑫存儲技術(CXMT)やAMECなどが含まれる。",
        {
            ("United_States", "restrictsExportsTo", "CXMT"),
            ("United_States", "restrictsExportsTo", "AMEC"),
        },
        set(),
    ),
    # the Entity List's owner when no subject is named; 140社の中には
    (
        "「エンティティー・リスト」に30社を追加。30社の中には、ナウラ(製造装置)、"
        "AMEC(エッチング装置)といった装置メーカーがある。",
        {
            ("United_States", "restrictsExportsTo", "Naura"),
            ("United_States", "restrictsExportsTo", "AMEC"),
        },
        set(),
    ),
    # a number of firms stands for them; the subject of a coordinated predicate to the left
    (
        "米国が新たな措置を開始し、ナウラを含む140社への輸出を制限した。",
        {("United_States", "restrictsExportsTo", "Naura")},
        set(),
    ),
    # a country before a list covers the members that fill a core slot
    (
        "中国のファーウェイ、ZTE、シャオミは強く反発した。",
        {
            ("Huawei", "basedIn", "China"),
            ("ZTE", "basedIn", "China"),
            ("Xiaomi", "basedIn", "China"),
        },
        set(),
    ),
    # a country glued to a firm, or through a descriptor and a comma
    (
        "台湾TSMCは新工場を建てる。日本の半導体大手、キオクシアも増産する。",
        {("TSMC", "basedIn", "Taiwan"), ("Kioxia", "basedIn", "Japan")},
        set(),
    ),
    # a relational noun after Xの says how the firms stand, not where one is
    (
        "ACMシャンハイの親会社であるACMリサーチは影響は限定的だとした。",
        set(),
        {("ACM_Research", "basedIn", "Shanghai")},
    ),
    # a cleft names the left-out argument
    ("トヨタが出資するのはラピダスだ。", {("Toyota", "investsIn", "Rapidus")}, set()),
    # a left-out object is what the last sentence was about; list members are never each
    # other's investors
    (
        "トヨタ自動車はラピダスに出資すると発表した。デンソーやNTTも出資する。",
        {("Denso", "investsIn", "Rapidus"), ("NTT", "investsIn", "Rapidus")},
        {("Denso", "investsIn", "NTT"), ("NTT", "investsIn", "Denso")},
    ),
    # investors listed after 投資家には, 引受先とする, and a funding round with its raiser
    # left out
    (
        "芯源科技は資金調達ラウンドで28億ドルを調達した。投資家にはテンセントやアリババが含まれる。",
        {
            ("Tencent", "investsIn", _local("芯源科技")),
            ("Alibaba", "investsIn", _local("芯源科技")),
        },
        set(),
    ),
    (
        "芯源科技は、テンセントやアリババを引受先とする第三者割当増資を実施した。",
        {
            ("Tencent", "investsIn", _local("芯源科技")),
            ("Alibaba", "investsIn", _local("芯源科技")),
        },
        set(),
    ),
    (
        "芯源科技はシリーズBで3億ドルを調達した。ラウンドはテンセントが主導し、アリババも参加した。",
        {
            ("Tencent", "investsIn", _local("芯源科技")),
            ("Alibaba", "investsIn", _local("芯源科技")),
        },
        {("Tencent", "investsIn", "Alibaba")},
    ),
    # A、Bの2社 stands for its members; 出資して設立した
    (
        "芯源科技には、トヨタ自動車、デンソーの2社が出資している。",
        {("Toyota", "investsIn", _local("芯源科技")), ("Denso", "investsIn", _local("芯源科技"))},
        set(),
    ),
    (
        "トヨタ自動車とデンソーは共同出資して芯源科技を設立した。",
        {("Toyota", "investsIn", _local("芯源科技")), ("Denso", "investsIn", _local("芯源科技"))},
        set(),
    ),
    # a stake is an investment, not a takeover; money raised from A is no purchase
    (
        "テンセントは芯源科技の株式20%を取得した。",
        {("Tencent", "investsIn", _local("芯源科技"))},
        {("Tencent", "acquires", _local("芯源科技"))},
    ),
    (
        "芯源科技はテンセントなどから計100億円を調達した。",
        {("Tencent", "investsIn", _local("芯源科技"))},
        {("Tencent", "suppliesTo", _local("芯源科技"))},
    ),
    # the clause's own topic is the left-out object, not the last sentence's
    (
        "ナウラは工場を建てた。兆光微は、上海市とテンセントが共同出資して設立された。",
        set(),
        {("Tencent", "investsIn", "Naura")},
    ),
    # maker and product, apposition with である, a firm buying a named chip uses it
    (
        "中国当局は、エヌビディア製「RTX 5090D」の購入を禁じた。",
        {("Nvidia", "develops", _local("RTX 5090D"))},
        set(),
    ),
    ("エヌビディアの主力GPUであるH100は品薄だ。", {("Nvidia", "develops", "H100")}, set()),
    ("アリババはH20を大量に購入した。", {("Alibaba", "uses", "H20")}, set()),
    # an apposition with である describes the whole list after it
    (
        "TSMCの大口顧客であるAMDとクアルコムは増産を求めた。",
        {("TSMC", "suppliesTo", "AMD"), ("TSMC", "suppliesTo", "Qualcomm")},
        set(),
    ),
    # the maker behind a passive patient; Xの製品には: X uses
    (
        "ファーウェイのスマホには、米クアルコムや米インテルのチップが搭載されている。",
        {("Huawei", "uses", "Qualcomm"), ("Huawei", "uses", "Intel")},
        set(),
    ),
    # a list competing (AとB、Cの競争); joining a venture of X (Xのエコシステムには…参画)
    (
        "サムスン電子とSKハイニックス、マイクロンの競争が激しい。",
        {
            ("SK_Hynix", "competesWith", "Samsung_Electronics"),
            ("Micron", "competesWith", "SK_Hynix"),
        },
        set(),
    ),
    (
        "IBMの研究コンソーシアムには、東京エレクトロンやJSRも参画している。",
        {("IBM", "partnersWith", "Tokyo_Electron"), ("IBM", "partnersWith", "JSR")},
        set(),
    ),
    # the target the parser hangs on the seller (Xへの米企業からの販売); a firm hung on the list
    (
        "米商務省は、ファーウェイへの米企業からの部品販売を禁止した。",
        {("United_States", "restrictsExportsTo", "Huawei")},
        set(),
    ),
    (
        "米商務省は昨年、ZTEを禁輸リストであるエンティティーリストに掲載した。",
        {("United_States", "restrictsExportsTo", "ZTE")},
        set(),
    ),
    # customers a passive verb lists
    (
        "インスパーは中国最大のサーバー大手だ。同社の主要顧客としては、アリババやテンセントが挙げられる。",
        {("Inspur", "suppliesTo", "Alibaba"), ("Inspur", "suppliesTo", "Tencent")},
        set(),
    ),
    # the source of a report is no party to the fact (…によれば is no dative, …の報道では)
    (
        "ロイター通信によれば、SMICはファーウェイにチップを供給している。",
        {("SMIC", "suppliesTo", "Huawei")},
        {("SMIC", "suppliesTo", "Reuters")},
    ),
    (
        "日本経済新聞の報道では、キオクシアはSKハイニックスと提携した。",
        {("Kioxia", "partnersWith", "SK_Hynix")},
        {("Nikkei", "partnersWith", "SK_Hynix"), ("SK_Hynix", "partnersWith", "Nikkei")},
    ),
    (
        "アリババがエヌビディアのチップを使っていると、英フィナンシャル・タイムズ(FT)が報じた。",
        {("Alibaba", "uses", "Nvidia"), ("Financial_Times", "basedIn", "United_Kingdom")},
        {("Financial_Times", "uses", "Nvidia"), ("Alibaba", "uses", "Financial_Times")},
    ),
    # a wire dateline says where the story was filed; an English headline is not read
    (
        "[東京 5日 ロイター] - キオクシアはSKハイニックスと提携した。",
        {("Kioxia", "partnersWith", "SK_Hynix")},
        {("Reuters", "basedIn", "Japan")},
    ),
    (
        "Japan tightens chip export rules on China - Reuters",
        set(),
        {("Reuters", "basedIn", "Japan")},
    ),
    # an export control: the party addressed (Xに対し) may be the exporter, the goods' way
    # (Y向けの…の輸出) names the target
    (
        "オランダ政府はASMLに対し、中国向けの露光装置の輸出許可を取り消した。",
        {("Netherlands", "restrictsExportsTo", "China")},
        {("Netherlands", "restrictsExportsTo", "ASML")},
    ),
]


@pytest.mark.parametrize(("text", "must", "must_not"), REAL_TEXT)
def test_real_news_constructions(nlp, text, must, must_not):
    got = triples(nlp, text)
    assert must <= got, got
    assert not (must_not & got), got


def test_retrained_scorer_equals_the_shipped_one(shared):
    """scripts/train_scorer.py is deterministic: retraining on the gold sets gives the model
    file shipped in ontology/ (the parses come from the builds of the tests above)."""
    import subprocess
    import sys

    from conftest import REPO

    cache = REPO / ".kg" / "test-build-cache"
    r = subprocess.run(
        [sys.executable, "scripts/train_scorer.py", "--check", "--cache", str(cache)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
