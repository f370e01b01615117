"""Counts for the news-b gold set: articles, entities, relation lines, facts, and required facts
by relation and by modality.

Run: python tests/data/eval/news-b/stats.py   (stdlib + PyYAML)

A fact is (s, p, o), with s and o sorted for the symmetric relations (competesWith, partnersWith),
counted once over the whole set. A fact is required when at least one of its lines is not optional;
its modality is that of its first required line.
"""

import json
import re
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SYMMETRIC = {"competesWith", "partnersWith"}
ORDER = [
    "suppliesTo", "manufacturesFor", "ownedBy", "subsidiaryOf", "investsIn", "competesWith",
    "partnersWith", "acquires", "restrictsExportsTo", "imposesTariffOn", "sanctions", "develops",
    "uses", "basedIn",
]
MODALITIES = ["asserted", "reported", "hedged", "planned"]


def fact_key(r):
    s, o = r["s"], r["o"]
    if r["p"] in SYMMETRIC:
        s, o = sorted((s, o))
    return (s, r["p"], o)


def main():
    files = sorted((HERE / "corpus").glob("*.md"))
    years, sources = Counter(), Counter()
    for f in files:
        m = re.match(r"^---\n(.*?)\n---\n", f.read_text(encoding="utf-8"), re.S)
        meta = yaml.safe_load(m.group(1)) if m else {}
        years[str(meta["date"])[:4] if meta.get("date") else "undated"] += 1
        sources[meta.get("source", "?")] += 1
    ents = [json.loads(l) for l in (HERE / "entities.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    rels = [json.loads(l) for l in (HERE / "relations.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]

    facts = {}
    for r in rels:
        k = fact_key(r)
        f = facts.setdefault(k, {"required": False, "modality": None})
        if not r["optional"] and not f["required"]:
            f["required"] = True
            f["modality"] = r["modality"]
    required = {k: v for k, v in facts.items() if v["required"]}

    print(f"articles: {len(files)}")
    print("  by year: " + ", ".join(f"{y} {c}" for y, c in sorted(years.items())))
    print(f"  outlets: {len(sources)}")
    print(f"entities: {len(ents)}")
    print("  by type: " + ", ".join(f"{t} {c}" for t, c in Counter(e['type'] for e in ents).most_common()))
    print(f"relation lines: {len(rels)} ({sum(not r['optional'] for r in rels)} required, "
          f"{sum(r['optional'] for r in rels)} optional)")
    print(f"facts: {len(facts)} ({len(required)} required, {len(facts) - len(required)} optional only)")
    print()
    by_rel = Counter(k[1] for k in required)
    by_rel_mod = Counter((k[1], v["modality"]) for k, v in required.items())
    width = max(len(p) for p in ORDER)
    print(f"{'required facts':<{width}}  total  " + "  ".join(f"{m:>8}" for m in MODALITIES))
    for p in ORDER:
        print(f"{p:<{width}}  {by_rel[p]:>5}  " + "  ".join(f"{by_rel_mod[(p, m)]:>8}" for m in MODALITIES))
    tot = Counter(v["modality"] for v in required.values())
    print(f"{'all':<{width}}  {len(required):>5}  " + "  ".join(f"{tot[m]:>8}" for m in MODALITIES))


if __name__ == "__main__":
    main()
