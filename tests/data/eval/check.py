"""Validate the eval gold data (dev/ and holdout/) and print coverage counts.

Run: .venv/bin/python tests/data/eval/check.py (from the checkout, or any directory)
Exits non-zero when a hard error is found (bad YAML, unknown entity, evidence not in source, ...).
"""

import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SEED_ENTITIES = HERE.parent / "seed-gold" / "seed-entities.jsonl"
RELATIONS = [
    "suppliesTo",
    "manufacturesFor",
    "ownedBy",
    "subsidiaryOf",
    "investsIn",
    "competesWith",
    "partnersWith",
    "acquires",
    "restrictsExportsTo",
    "imposesTariffOn",
    "sanctions",
    "develops",
    "uses",
    "basedIn",
]
MODALITIES = {"asserted", "reported", "hedged", "planned"}
# Cue words used to count distinct phrasings per relation (first match in evidence counts).
CUES = {
    "suppliesTo": [
        "サプライヤー",
        "供給",
        "納入",
        "出荷",
        "調達",
        "購入",
        "受注",
        "発注",
        "顧客",
        "取引先",
        "ライセンス供与",
        "ライセンスを受け",
        "導入",
        "採用",
    ],
    "manufacturesFor": [
        "ファウンドリー",
        "受託製造",
        "生産委託先",
        "組み立て",
        "に任せる",
        "受託生産",
        "製造を委託",
        "生産を委託",
        "製造も請け負",
        "量産",
        "生産する計画",
        "委託",
        "生産を",
        "量産を",
    ],
    "ownedBy": [
        "筆頭株主",
        "大株主",
        "間接株主",
        "既存株主",
        "株式の",
        "出資比率",
        "保有",
        "国有",
        "政府系",
        "過半を出資",
        "株主に加わる",
        "完全子会社",
        "出資",
        "系列",
    ],
    "subsidiaryOf": [
        "日本法人",
        "日本子会社",
        "米子会社",
        "グループ会社",
        "完全子会社",
        "子会社",
        "傘下",
        "親会社",
        "部門",
        "グループの中核",
        "系列",
        "設立",
    ],
    "investsIn": [
        "資本参加",
        "資金調達",
        "投じる",
        "増資を引き受け",
        "共同出資",
        "出資を受け",
        "出資比率",
        "投資",
        "株式約9%を取得",
        "出資して",
        "出資",
    ],
    "competesWith": [
        "競合",
        "ライバル",
        "しのぎを削る",
        "しのいだ",
        "対抗馬",
        "対抗",
        "追い上げ",
        "競う",
        "争っ",
        "シェアを奪",
        "匹敵",
    ],
    "partnersWith": [
        "連携している",
        "戦略提携",
        "提携",
        "共同開発",
        "協業",
        "協力覚書",
        "協力関係",
        "手を組",
        "合弁",
        "共同で",
    ],
    "acquires": [
        "傘下に加え",
        "経営統合",
        "株式公開買い付け",
        "TOB",
        "吸収合併",
        "完全子会社化",
        "買い取",
        "傘下に収め",
        "統合",
        "買収",
        "取得",
        "買い増し",
    ],
    "restrictsExportsTo": [
        "エンティティー・リスト",
        "エンティティーリスト",
        "禁輸リスト",
        "輸出許可申請",
        "輸出許可",
        "許可制",
        "許可を必要",
        "輸出管理",
        "除外",
        "輸出規制の対象",
        "対中輸出を制限",
        "輸出を原則として禁止",
        "輸出禁止",
        "供給を禁じる",
        "輸出規制",
    ],
    "imposesTariffOn": [
        "反ダンピング",
        "相互関税",
        "報復関税",
        "制裁関税",
        "追加関税",
        "上乗せ",
        "引き上げ",
        "引き下げ",
        "関税を課",
        "関税",
    ],
    "sanctions": [
        "信頼できないエンティティー・リスト",
        "使用禁止",
        "使用を禁止",
        "調達を禁止",
        "販売を禁止",
        "取引を禁止",
        "制裁",
        "排除",
        "遮断",
        "差し止め",
        "売却を命じ",
    ],
    "develops": [
        "共同開発",
        "自社開発",
        "開発を進める",
        "開発",
        "設計",
        "発売",
        "発表",
        "公開",
        "投入",
        "手がける",
        "展開",
        "独自の",
        "生産する",
        "主力",
        "自社の",
        "の",
    ],
    "uses": [
        "組み込",
        "搭載",
        "採用",
        "導入",
        "利用",
        "活用",
        "使っ",
        "購入",
        "発注",
        "ライセンス",
        "代わり",
        "供与",
    ],
    "basedIn": [
        "本社を置く",
        "本社がある",
        "本部を置く",
        "拠点とする",
        "拠点とし",
        "(東京",
        "米",
        "英",
        "独",
        "中国の",
        "台湾の",
        "韓国の",
        "オランダの",
        "カナダの",
        "ベルギーの",
        "フランスの",
        "イスラエルの",
        "市の",
        "天津の",
        "上海の",
        "北京の",
        "国最大の",
        "中国企業",
        "国内メーカー",
    ],
}


def nfkc(s):
    return unicodedata.normalize("NFKC", s).casefold()


def load_jsonl(p):
    out = []
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{p}:{i}: bad JSON: {e}")
    return out


def split_front_matter(text):
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    return (m.group(1), m.group(2)) if m else (None, text)


def check_split(split, errors, warnings):
    base = HERE / split
    corpus = {}
    sentences = 0
    for f in sorted((base / "corpus").glob("*.md")):
        text = f.read_text(encoding="utf-8")
        fm, body = split_front_matter(text)
        if fm is None:
            errors.append(f"{split}/{f.name}: no front matter")
            continue
        try:
            meta = yaml.safe_load(fm)
        except yaml.YAMLError as e:
            errors.append(f"{split}/{f.name}: YAML error {e}")
            continue
        for k in ("title", "source", "date"):
            if k not in meta:
                errors.append(f"{split}/{f.name}: front matter lacks {k}")
        d = str(meta.get("date", ""))
        if not re.fullmatch(r"20(19|2[0-5])-\d\d-\d\d", d):
            errors.append(f"{split}/{f.name}: bad date {d!r}")
        n = body.count("。")
        if not 3 <= n <= 10:
            warnings.append(f"{split}/{f.name}: {n} sentences")
        sentences += n
        corpus[f.name] = text

    ents = load_jsonl(base / "entities.jsonl")
    ids = Counter(e["id"] for e in ents)
    for i, c in ids.items():
        if c > 1:
            errors.append(f"{split}: duplicate entity id {i}")
    name_owner = {}
    for e in ents:
        for n in e["names"]:
            k = nfkc(n)
            if k in name_owner and name_owner[k] != e["id"]:
                errors.append(f"{split}: name {n!r} used by {name_owner[k]} and {e['id']}")
            name_owner[k] = e["id"]
        alltext = "\n".join(corpus.values())
        if not any(n in alltext for n in e["names"]):
            warnings.append(f"{split}: entity {e['id']} has no name in corpus")
    # Same entity as a seed entity must use the seed id.
    if SEED_ENTITIES.exists():
        for se in load_jsonl(SEED_ENTITIES):
            for n in se["names"]:
                o = name_owner.get(nfkc(n))
                if o and o != se["id"] and len(n) > 2:
                    warnings.append(f"{split}: name {n!r} is seed entity {se['id']} but here {o}")

    rels = load_jsonl(base / "relations.jsonl")
    facts = defaultdict(set)
    lines = Counter()
    modal = Counter()
    cues = defaultdict(set)
    ent_by_id = {e["id"]: e for e in ents}
    for r in rels:
        tag = f"{split}: {r.get('s')} {r.get('p')} {r.get('o')}"
        for k in ("s", "p", "o", "modality", "evidence", "source", "optional"):
            if k not in r:
                errors.append(f"{tag}: missing {k}")
        if r["s"] not in ent_by_id:
            errors.append(f"{tag}: unknown subject")
        if r["o"] not in ent_by_id:
            errors.append(f"{tag}: unknown object")
        if r["p"] not in RELATIONS:
            errors.append(f"{tag}: unknown relation")
        if r["modality"] not in MODALITIES:
            errors.append(f"{tag}: bad modality {r['modality']}")
        if not isinstance(r["optional"], bool):
            errors.append(f"{tag}: optional not bool")
        src = corpus.get(r["source"])
        if src is None:
            errors.append(f"{tag}: unknown source {r['source']}")
        elif r["evidence"] not in src:
            errors.append(f"{tag}: evidence not in {r['source']}: {r['evidence']}")
        # Soft check: a name of s and of o (or an anaphor) occurs in the evidence.
        for role in ("s", "o"):
            e = ent_by_id.get(r[role])
            if (
                e
                and not any(n in r["evidence"] for n in e["names"])
                and not re.search(r"同社|両社|同省|同基金|政府|同連合", r["evidence"])
            ):
                warnings.append(f"{tag}: no name of {role} in evidence")
        key = (
            (r["s"], r["o"])
            if r["p"] not in ("competesWith", "partnersWith")
            else tuple(sorted((r["s"], r["o"])))
        )
        lines[r["p"]] += 1
        if not r["optional"]:
            facts[r["p"]].add(key)
        modal[(r["modality"], r["optional"])] += 1
        for c in CUES[r["p"]]:
            if c in r["evidence"]:
                cues[r["p"]].add(c)
                break

    negs = [
        l for l in (base / "negatives.txt").read_text(encoding="utf-8").splitlines() if l.strip()
    ]
    for l in negs:
        hosts = [n for n, t in corpus.items() if l in t]
        if not hosts:
            errors.append(f"{split}: negative not in corpus: {l}")
            continue
        # No (required or optional) gold evidence may sit inside a negative sentence.
        for r in rels:
            if r["source"] in hosts and r["evidence"] in l:
                errors.append(f"{split}: gold evidence inside negative: {r['evidence']}")
    return dict(
        sentences=sentences,
        files=len(corpus),
        entities=len(ents),
        rels=rels,
        facts=facts,
        lines=lines,
        modal=modal,
        cues=cues,
        negatives=len(negs),
    )


def main():
    errors, warnings = [], []
    res = {s: check_split(s, errors, warnings) for s in ("dev", "holdout")}
    print(f"{'':22}{'dev':>8}{'holdout':>9}{'total':>8}")
    for k in ("files", "sentences", "entities", "negatives"):
        print(
            f"{k:22}{res['dev'][k]:>8}{res['holdout'][k]:>9}{res['dev'][k] + res['holdout'][k]:>8}"
        )
    print(
        f"{'relation lines':22}{len(res['dev']['rels']):>8}{len(res['holdout']['rels']):>9}"
        f"{len(res['dev']['rels']) + len(res['holdout']['rels']):>8}"
    )
    print()
    print(f"{'relation':20}{'lines':>6}{'req.facts':>10}{'cues':>6}  cue words (both splits)")
    for p in RELATIONS:
        ln = res["dev"]["lines"][p] + res["holdout"]["lines"][p]
        nf = len(res["dev"]["facts"][p]) + len(res["holdout"]["facts"][p])
        cs = res["dev"]["cues"][p] | res["holdout"]["cues"][p]
        print(f"{p:20}{ln:>6}{nf:>10}{len(cs):>6}  {' '.join(sorted(cs))}")
    print()
    mc = res["dev"]["modal"] + res["holdout"]["modal"]
    for m in ("asserted", "reported", "hedged", "planned"):
        print(f"modality {m:9} required={mc[(m, False)]:4} optional={mc[(m, True)]:3}")
    for w in warnings:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    print(f"\n{len(errors)} errors, {len(warnings)} warnings")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
