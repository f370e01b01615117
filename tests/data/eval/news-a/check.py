"""Validate the news-a gold set (corpus/, entities.jsonl, relations.jsonl).

Run: python3 tests/data/eval/news-a/check.py   (stdlib + PyYAML)
Exits non-zero on any error. Checks:
- every corpus file has YAML front matter with title, url, source (date optional: YYYY, YYYY-MM or YYYY-MM-DD);
- every line of entities.jsonl / relations.jsonl is valid JSON with the expected keys;
- entity ids are unique, types are guideline types, every name occurs in some text or is the English id;
- every relation is in the inventory, s/o are entity ids, modality is valid, optional is a bool,
  the source file exists and the evidence occurs verbatim in it;
- no corpus URL is on the blocklist (normalised: no scheme, no "www.", no query string or fragment,
  no trailing "/"), and none is also in set B (../../../../../news-b/.../corpus, when that folder exists).
"""

import json
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
BLOCKLIST = Path("/work/shared/gold/blocklist.txt")
OTHER_SET = Path("/work/wt/news-b/tests/data/eval/news-b/corpus")
RELATIONS = {
    "suppliesTo", "manufacturesFor", "ownedBy", "subsidiaryOf", "investsIn", "competesWith",
    "partnersWith", "acquires", "restrictsExportsTo", "imposesTariffOn", "sanctions", "develops",
    "uses", "basedIn",
}
TYPES = {"Company", "GovernmentBody", "Country", "Place", "Association", "Product", "Technology"}
MODALITIES = {"asserted", "reported", "hedged", "planned"}
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")

errors = []


def err(msg):
    errors.append(msg)


def norm_url(u):
    u = u.strip()
    u = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", u)
    u = re.sub(r"^www\.", "", u, flags=re.I)
    u = u.split("#")[0].split("?")[0]
    return u.rstrip("/").lower()


def read_doc(path):
    text = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    if not m:
        err(f"{path.name}: no YAML front matter")
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as e:
        err(f"{path.name}: bad YAML: {e}")
        return {}, text
    return meta, m.group(2)


def load_jsonl(path, keys):
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            err(f"{path.name}:{n}: invalid JSON: {e}")
            continue
        missing = keys - row.keys()
        if missing:
            err(f"{path.name}:{n}: missing keys {sorted(missing)}")
            continue
        rows.append((n, row))
    return rows


def main():
    files = sorted(CORPUS.glob("*.md"))
    texts = {}
    urls = {}  # normalised URL (for the blocklist and set B) -> files
    seen = {}  # URL without scheme and "www." (duplicates within this set) -> file
    for f in files:
        meta, body = read_doc(f)
        texts[f.name] = f.read_text(encoding="utf-8")
        for k in ("title", "url", "source"):
            if not meta.get(k):
                err(f"{f.name}: front matter lacks {k}")
        if "date" in meta and not DATE.match(str(meta["date"])):
            err(f"{f.name}: bad date {meta['date']!r}")
        if not body.strip():
            err(f"{f.name}: empty text")
        if meta.get("url"):
            full = re.sub(r"^[a-zA-Z]+://(www\.)?", "", str(meta["url"]).strip()).rstrip("/")
            if full in seen:
                err(f"{f.name}: same URL as {seen[full]}")
            seen[full] = f.name
            urls.setdefault(norm_url(str(meta["url"])), []).append(f.name)

    block = {norm_url(l) for l in BLOCKLIST.read_text(encoding="utf-8").splitlines()
             if l.strip() and not l.startswith("#")} if BLOCKLIST.exists() else set()
    if not BLOCKLIST.exists():
        print("warning: blocklist not found, URL check skipped")
    for u, names in urls.items():
        if u in block:
            err(f"{', '.join(names)}: URL is on the blocklist")
    if OTHER_SET.is_dir():
        for f in OTHER_SET.glob("*.md"):
            m = re.search(r"^url:\s*(.+)$", f.read_text(encoding="utf-8"), re.M)
            other = norm_url(m.group(1).strip().strip("'\"")) if m else None
            if other in urls:
                err(f"{', '.join(urls[other])}: URL also in set B ({f.name})")

    alltext = "\n".join(texts.values())
    ents = load_jsonl(HERE / "entities.jsonl", {"id", "type", "names"})
    ids = set()
    for n, e in ents:
        if e["id"] in ids:
            err(f"entities.jsonl:{n}: duplicate id {e['id']}")
        ids.add(e["id"])
        if e["type"] not in TYPES:
            err(f"entities.jsonl:{n}: bad type {e['type']}")
        if not isinstance(e["names"], list) or not e["names"]:
            err(f"entities.jsonl:{n}: names must be a non-empty list")
            continue
        for name in e["names"]:
            if name != e["id"] and name not in alltext:
                err(f"entities.jsonl:{n}: name {name!r} of {e['id']} occurs in no text")

    rels = load_jsonl(HERE / "relations.jsonl", {"s", "p", "o", "modality", "evidence", "source", "optional"})
    for n, r in rels:
        if r["p"] not in RELATIONS:
            err(f"relations.jsonl:{n}: relation {r['p']} not in the inventory")
        for k in ("s", "o"):
            if r[k] not in ids:
                err(f"relations.jsonl:{n}: unknown entity {r[k]!r}")
        if r["s"] == r["o"]:
            err(f"relations.jsonl:{n}: s equals o")
        if r["modality"] not in MODALITIES:
            err(f"relations.jsonl:{n}: bad modality {r['modality']}")
        if not isinstance(r["optional"], bool):
            err(f"relations.jsonl:{n}: optional must be true or false")
        if r["source"] not in texts:
            err(f"relations.jsonl:{n}: source file {r['source']} does not exist")
        elif not r["evidence"] or r["evidence"] not in texts[r["source"]]:
            err(f"relations.jsonl:{n}: evidence not found in {r['source']}: {r['evidence'][:40]}")

    used = {f for _, r in rels for f in [r["source"]]}
    for name in texts:
        if name not in used:
            err(f"{name}: no relation annotated")

    for e in errors:
        print("ERROR", e)
    print(f"{len(files)} articles, {len(ents)} entities, {len(rels)} fact lines, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
