"""Validate the news-b gold set (corpus/*.md, entities.jsonl, relations.jsonl).

Run: python tests/data/eval/news-b/check.py   (stdlib + PyYAML)
Exits non-zero on a hard error; prints warnings that need a look but do not fail.

Hard checks: every line is valid JSON with the right keys; entity ids are unique, types are
guideline types and no name belongs to two entities (after NFKC + casefold); every s/o is an
entity id; every p is in the inventory; modality and optional are well formed; every source file
exists and every evidence string occurs in it; every entity name occurs in some text (Latin names
as a whole word) or is the entity's English id; every corpus file has front matter with title, url
and source (date, when present, is YYYY, YYYY-MM or YYYY-MM-DD); no URL is on the blocklist
(normalised: scheme, "www.", query string and trailing "/" dropped) or in the news-a corpus.
"""

import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SHARED = Path("/work/shared/gold")
BLOCKLIST = SHARED / "blocklist.txt"
NEWS_A = Path("/work/wt/news-a/tests/data/eval/news-a/corpus")

RELATIONS = {
    "suppliesTo", "manufacturesFor", "ownedBy", "subsidiaryOf", "investsIn", "competesWith",
    "partnersWith", "acquires", "restrictsExportsTo", "imposesTariffOn", "sanctions", "develops",
    "uses", "basedIn",
}
TYPES = {"Company", "GovernmentBody", "Country", "Place", "Association", "Product", "Technology"}
MODALITIES = {"asserted", "reported", "hedged", "planned"}
KEYS = ("s", "p", "o", "modality", "evidence", "source", "optional")
# Relations whose object must be of one of these types (a light sanity check, warning only).
OBJECT_TYPES = {
    "basedIn": {"Country", "Place"},
    "imposesTariffOn": {"Country"},
    "develops": {"Product", "Technology"},
}


def nfkc(s):
    return unicodedata.normalize("NFKC", s).casefold()


def norm_url(u):
    u = re.sub(r"^[a-z]+://", "", u.strip())
    u = re.sub(r"^www\.", "", u)
    return u.split("?")[0].split("#")[0].rstrip("/")


def occurs(name, text):
    if re.fullmatch(r"[A-Za-z0-9 .,\-]+", name):
        return re.search(r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])", text) is not None
    return name in text


def load_jsonl(path, errors):
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:
            errors.append(f"{path.name}:{i}: bad JSON: {e}")
    return out


def split_front_matter(text):
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    return (m.group(1), m.group(2)) if m else (None, text)


def urls_in(folder):
    out = set()
    for f in folder.glob("*.md"):
        fm, _ = split_front_matter(f.read_text(encoding="utf-8"))
        if fm:
            meta = yaml.safe_load(fm) or {}
            if meta.get("url"):
                out.add(norm_url(str(meta["url"])))
    return out


def main():
    errors, warnings = [], []

    # Corpus
    corpus = {}
    blocked = set()
    if BLOCKLIST.exists():
        blocked = {
            norm_url(l) for l in BLOCKLIST.read_text(encoding="utf-8").splitlines()
            if l.strip() and not l.startswith("#")
        }
    else:
        warnings.append(f"{BLOCKLIST} not found: blocklist not checked")
    news_a = urls_in(NEWS_A) if NEWS_A.exists() else set()
    seen_urls = {}
    for f in sorted((HERE / "corpus").glob("*.md")):
        text = f.read_text(encoding="utf-8")
        fm, body = split_front_matter(text)
        if fm is None:
            errors.append(f"{f.name}: no front matter")
            continue
        try:
            meta = yaml.safe_load(fm) or {}
        except yaml.YAMLError as e:
            errors.append(f"{f.name}: YAML error {e}")
            continue
        for k in ("title", "url", "source"):
            if not meta.get(k):
                errors.append(f"{f.name}: front matter lacks {k}")
        if "date" in meta and not re.fullmatch(r"20\d\d(-\d\d(-\d\d)?)?", str(meta["date"])):
            errors.append(f"{f.name}: bad date {meta['date']!r}")
        url = str(meta.get("url", ""))
        nu = norm_url(url)
        if nu in blocked:
            errors.append(f"{f.name}: URL on the blocklist: {url}")
        if nu in news_a:
            errors.append(f"{f.name}: URL also in the news-a corpus: {url}")
        if url in seen_urls:
            errors.append(f"{f.name}: same URL as {seen_urls[url]}")
        seen_urls[url] = f.name
        if not body.strip():
            errors.append(f"{f.name}: empty text")
        corpus[f.name] = text
    alltext = "\n".join(corpus.values())

    # Entities
    ents = load_jsonl(HERE / "entities.jsonl", errors)
    by_id = {}
    owner = {}
    for e in ents:
        if set(e) != {"id", "type", "names"}:
            errors.append(f"entity {e.get('id')}: keys {sorted(e)}")
            continue
        if e["id"] in by_id:
            errors.append(f"duplicate entity id {e['id']}")
        by_id[e["id"]] = e
        if e["type"] not in TYPES:
            errors.append(f"entity {e['id']}: bad type {e['type']}")
        if not isinstance(e["names"], list) or not e["names"]:
            errors.append(f"entity {e['id']}: names must be a non-empty list")
            continue
        for n in e["names"]:
            k = nfkc(n)
            if k in owner and owner[k] != e["id"]:
                errors.append(f"name {n!r} belongs to {owner[k]} and {e['id']}")
            owner[k] = e["id"]
            if n != e["id"] and not occurs(n, alltext):
                errors.append(f"entity {e['id']}: name {n!r} occurs in no text")

    # Relations
    rels = load_jsonl(HERE / "relations.jsonl", errors)
    used = set()
    lines = Counter()
    for i, r in enumerate(rels, 1):
        tag = f"relations.jsonl:{i} {r.get('s')} {r.get('p')} {r.get('o')}"
        if set(r) != set(KEYS):
            errors.append(f"{tag}: keys {sorted(r)}")
            continue
        for role in ("s", "o"):
            if r[role] not in by_id:
                errors.append(f"{tag}: unknown {role} id {r[role]!r}")
            used.add(r[role])
        if r["p"] not in RELATIONS:
            errors.append(f"{tag}: relation not in the inventory")
        if r["modality"] not in MODALITIES:
            errors.append(f"{tag}: bad modality {r['modality']!r}")
        if not isinstance(r["optional"], bool):
            errors.append(f"{tag}: optional is not a bool")
        if r["s"] == r["o"]:
            errors.append(f"{tag}: subject equals object")
        src = corpus.get(r["source"])
        if src is None:
            errors.append(f"{tag}: source file {r['source']!r} does not exist")
        elif not r["evidence"] or r["evidence"] not in src:
            errors.append(f"{tag}: evidence not in {r['source']}: {r['evidence']}")
        o = by_id.get(r["o"])
        if o and r["p"] in OBJECT_TYPES and o["type"] not in OBJECT_TYPES[r["p"]]:
            warnings.append(f"{tag}: object type {o['type']} unusual for {r['p']}")
        key = (r["s"], r["p"], r["o"], r["source"], r["evidence"])
        lines[key] += 1
    for k, c in lines.items():
        if c > 1:
            warnings.append(f"repeated line {k}")
    for i in by_id:
        if i not in used:
            warnings.append(f"entity {i} is in no relation")
    for f in corpus:
        if not any(r.get("source") == f for r in rels):
            warnings.append(f"{f}: no relation annotated")

    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("ERROR:", e)
    print(f"{len(corpus)} files, {len(by_id)} entities, {len(rels)} relation lines: "
          f"{len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
