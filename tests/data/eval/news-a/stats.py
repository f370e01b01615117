"""Counts for the news-a gold set: articles, entities, fact lines, distinct facts, and distinct
required facts by relation and by modality.

Run: python3 tests/data/eval/news-a/stats.py
A fact is (s, p, o), counted once over the whole set (order-free for competesWith and partnersWith).
A fact is required when at least one of its lines has optional false; its modality for the
by-modality count is the modality of its first required line.
"""

import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYMMETRIC = {"competesWith", "partnersWith"}


def key(r):
    s, o = r["s"], r["o"]
    if r["p"] in SYMMETRIC and o < s:
        s, o = o, s
    return (s, r["p"], o)


def main():
    articles = sorted((HERE / "corpus").glob("*.md"))
    ents = [json.loads(l) for l in (HERE / "entities.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    rels = [json.loads(l) for l in (HERE / "relations.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    facts = {}
    for r in rels:
        k = key(r)
        f = facts.setdefault(k, {"required": False, "modality": None})
        if not r["optional"] and not f["required"]:
            f["required"] = True
            f["modality"] = r["modality"]
    required = {k: f for k, f in facts.items() if f["required"]}
    print(f"articles: {len(articles)}")
    print(f"entities: {len(ents)}  by type: " + ", ".join(f"{t} {n}" for t, n in Counter(e['type'] for e in ents).most_common()))
    print(f"fact lines: {len(rels)} ({sum(not r['optional'] for r in rels)} required lines, {sum(r['optional'] for r in rels)} optional lines)")
    print(f"distinct facts: {len(facts)} ({len(required)} required, {len(facts) - len(required)} optional only)")
    print(f"distinct required facts without basedIn: {sum(1 for k in required if k[1] != 'basedIn')}")
    print("required facts by relation:")
    for p, n in Counter(k[1] for k in required).most_common():
        print(f"  {p:20s} {n}")
    print("required facts by modality:")
    for m, n in Counter(f["modality"] for f in required.values()).most_common():
        print(f"  {m:20s} {n}")
    print("fact lines by modality: " + ", ".join(f"{m} {n}" for m, n in Counter(r['modality'] for r in rels).most_common()))
    per_article = Counter(r["source"] for r in rels)
    print("fact lines per article: min %d, max %d" % (min(per_article.values()), max(per_article.values())))


if __name__ == "__main__":
    main()
