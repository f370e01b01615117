"""The README and docs/ stay true: counts as the files have them, links that lead somewhere
in the repository, the messages they quote as the code writes them, a README that fits.
(Their example outputs are checked by `scripts/readme_examples.py --check`, in `make test`.)"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 400


def gazetteer_counts() -> Counter:
    """Entities of ontology/gazetteer.ttl by class, read with rdflib (not with kg's loader)."""
    from rdflib import RDF, Graph

    from kg.vocab import KG

    g = Graph().parse(ROOT / "ontology" / "gazetteer.ttl")
    return Counter(
        str(cls).removeprefix(str(KG)) for cls in g.objects(None, RDF.type)
        if str(cls).startswith(str(KG))
    )  # fmt: skip


def test_gazetteer_md_counts_are_those_of_the_file():
    text = (ROOT / "ontology" / "GAZETTEER.md").read_text(encoding="utf-8")
    m = re.search(r"^(\d+) entities: (.+)\.$", text, re.M)
    assert m, "ontology/GAZETTEER.md: no line 'N entities: n Class, ...'"
    stated = Counter({cls: int(n) for n, cls in re.findall(r"(\d+) (\w+)", m.group(2))})
    counts = gazetteer_counts()
    assert (int(m.group(1)), stated) == (sum(counts.values()), counts), (
        f"write: {sum(counts.values())} entities: "
        + ", ".join(f"{n} {c}" for c, n in counts.most_common())
    )


def test_readme_fits():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_links_lead_into_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if target.startswith(("http://", "https://")):
            continue
        assert not target.startswith(("/", "..")) or (doc.parent / target).resolve().is_relative_to(
            ROOT
        ), f"{doc.name} points outside the repository: {target}"
        assert (doc.parent / target).exists(), f"{doc.name} links to {target}, which is missing"
    assert "../shared" not in text and "/work/" not in text, f"{doc.name} names a path outside"


def test_quoted_messages_are_the_codes():
    """`error: [E0NN] ...` and `warning: ...` quoted in the docs are written so by kg/."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "kg").rglob("*.py"))
    quoted = [
        (doc.name, q) for doc in DOCS
        for q in re.findall(r"`((?:error|warning): [^`]+)`", doc.read_text(encoding="utf-8"))
    ]  # fmt: skip
    assert quoted, "the docs quote no message: the test checks nothing"
    for name, message in quoted:
        body = re.sub(r"^(?:error|warning): (?:\[E\d+\] )?", "", message)
        # the words up to the first that stands for a value (N, FILE, …, <path>, a file name)
        literal = re.split(r"\b[A-Z]+\b|…|<|\{|\b\w+\.md\b|\d", body)[0].strip(" :'\"")
        if len(literal) >= 8:
            assert literal in source, f"{name} quotes {message!r}; kg/ writes no {literal!r}"
