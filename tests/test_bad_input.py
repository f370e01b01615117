"""`kg build` end to end over a corpus holding every kind of bad file, as a real process.

tests/data/bad/ holds the committed cases; the rest is made at test time: a FIFO, a chmod 000
file (made really unreadable for root by dropping CAP_DAC_OVERRIDE, see robust.DROP_DAC), a
file whose name is not UTF-8, symlink loops (a file and a directory), an oversized article and
a big HTML page that is almost all script and style (2 MB by default, 20 MB in the slow run).
"""

from __future__ import annotations

import base64
import csv
import io
import os
import shutil
from pathlib import Path

import pytest
from robust import can_drop_dac, run_kg

BAD = Path(__file__).resolve().parent / "data" / "bad"
BODY = Path(__file__).resolve().parent.parent / "corpus" / "fastbull" / "01-sicarrier-funding.md"

# file -> the start of its one warning
EXPECTED_WARNINGS = {
    "binary.txt": "not text (binary)",
    "empty.txt": "empty",
    "whitespace.txt": "whitespace only",
    "malformed_front_matter.md": "malformed YAML front matter: ",
    "script_only.html": "no main text in HTML page",
    "fifo.txt": "unreadable: not a regular file (a FIFO)",
    "locked.txt": "unreadable: permission denied",
    "\\x93\\xfa\\x96{.txt": "file name is not UTF-8",
    "loop.txt": "symlink loop",
    "sub/back": "symlink loop",
    "huge.md": "too long: an article of ",
}
UNDATED = ": no date: none in the front matter, page metadata or a date line"
# graph (file) -> a fact its text states; the legacy encodings must be decoded to find them
EXPECTED_FACTS = {
    "shift_jis.txt": ("Tokyo_Electron", "suppliesTo", "SMIC"),
    "euc_jp.txt": ("Kioxia", "basedIn", "Tokyo"),
    "utf16_bom.txt": ("ASML", "basedIn", "Netherlands"),
    "utf8_bom.md": ("IBM", "partnersWith", "Rapidus"),
    "nul_bytes.txt": ("United_States", "restrictsExportsTo", "China"),
    "big_page.html": ("Tokyo_Electron", "suppliesTo", "SMIC"),
}
FACTS_QUERY = """SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?c a kg:Claim ; rdf:subject ?s ;
  rdf:predicate ?p ; rdf:object ?o } }"""


def big_page(megabytes: float) -> str:
    """An HTML page of `megabytes` that is nearly all <script>/<style>, with one short story."""
    story = (
        "<article><h1>東京エレクトロン、中国向け装置</h1>"
        "<p>東京エレクトロンは、SMICに半導体製造装置を供給している。</p>"
        "<p>同社によると、2024年の中国向け売上高は全体の4割を超えた。</p></article>"
    )
    junk, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        blob = base64.b64encode(os.urandom(3000)).decode()
        piece = f"<script>var d{i}='{blob}';</script>\n<style>.c{i}{{color:red}}</style>\n"
        junk.append(piece)
        size += len(piece)
        i += 1
    half = len(junk) // 2
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>装置</title>"
        + "".join(junk[:half])
        + "</head><body>"
        + story
        + "".join(junk[half:])
        + "</body></html>"
    )


def huge_article(megabytes: float) -> str:
    """One article (front matter: not split) of `megabytes` of distinct Japanese text."""
    body = BODY.read_text("utf-8").split("---\n")[2]
    chunks, size, n = [], 0, 0
    while size < megabytes * 1_000_000:
        chunk = body.replace("SiCarrier", f"SiCarrier{n}")
        chunks.append(chunk)
        size += len(chunk.encode())
        n += 1
    return "---\ntitle: 巨大な記事\n---\n" + "".join(chunks)


def make_bad_corpus(root: Path, megabytes: float) -> Path:
    corpus = root / "corpus"
    shutil.copytree(BAD, corpus)
    os.mkfifo(corpus / "fifo.txt")  # open() would block forever
    locked = corpus / "locked.txt"
    locked.write_text("キオクシアは東京に本社を置く。\n", encoding="utf-8")
    locked.chmod(0)
    (corpus / os.fsdecode(b"\x93\xfa\x96{.txt")).write_text("本文。\n", encoding="utf-8")
    (corpus / "loop.txt").symlink_to("loop.txt")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "back").symlink_to("..", target_is_directory=True)
    (corpus / "huge.md").write_text(huge_article(megabytes), encoding="utf-8")
    (corpus / "big_page.html").write_text(big_page(megabytes), encoding="utf-8")
    return corpus


def facts_in(tmp_path: Path) -> set[tuple[str, str, str, str]]:
    r = run_kg("query", FACTS_QUERY, "--format", "csv", "--store", "store", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))

    def local(iri: str) -> str:
        return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    return {(local(x["g"]), local(x["s"]), local(x["p"]), local(x["o"])) for x in rows}


def check_bad_corpus_build(tmp_path: Path, megabytes: float, max_rss_mb: float) -> None:
    corpus = make_bad_corpus(tmp_path, megabytes)
    r = run_kg("build", corpus.name, "--store", "store", cwd=tmp_path, drop_dac=True)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    # exactly one warning per bad file, naming it and the reason; nothing else is skipped
    # (the files read without a date are warned about too: kept apart here)
    skips = [w for w in r.warnings if not w.endswith(UNDATED)]
    assert len(skips) == len(EXPECTED_WARNINGS), r.warnings
    for name, reason in EXPECTED_WARNINGS.items():
        mine = [w for w in skips if w.startswith(f"warning: {name}: ")]
        assert len(mine) == 1, (name, r.warnings)
        assert mine[0].removeprefix(f"warning: {name}: ").startswith(reason), mine
    assert "articles read  6" in r.stdout and "skipped        11" in r.stdout
    assert r.max_rss_mb < max_rss_mb, f"peak RSS {r.max_rss_mb:.0f} MB"
    found = facts_in(tmp_path)
    for graph, (s, p, o) in EXPECTED_FACTS.items():
        assert (graph, s, p, o) in found, (graph, sorted(found))


@pytest.mark.skipif(not can_drop_dac(), reason="root, and setpriv cannot drop CAP_DAC_OVERRIDE")
def test_build_over_every_bad_file(tmp_path: Path) -> None:
    check_bad_corpus_build(tmp_path, megabytes=2, max_rss_mb=3000)


@pytest.mark.slow
@pytest.mark.skipif(not can_drop_dac(), reason="root, and setpriv cannot drop CAP_DAC_OVERRIDE")
def test_build_over_every_bad_file_twenty_megabytes(tmp_path: Path) -> None:
    check_bad_corpus_build(tmp_path, megabytes=20, max_rss_mb=3000)


def test_strict_build_stops_at_the_first_bad_file_and_writes_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(BAD, corpus)
    r = run_kg("build", "corpus", "--strict", "--store", "store", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stderr == "error: [E010] binary.txt: not text (binary)\n"
    assert not (tmp_path / "store").exists()
    # a walk problem (a symlink loop) is found before any file is read
    (corpus / "loop").symlink_to(".", target_is_directory=True)
    r = run_kg("build", "corpus", "--strict", "--store", "store", cwd=tmp_path)
    assert (r.returncode, r.stderr) == (1, "error: [E010] loop: symlink loop\n")
    assert not (tmp_path / "store").exists()
