"""Tests for kg.corpus: the seed pages, the committed corpus, bad files, pages, duplicates."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.corpus import (
    Article,
    decode_bytes,
    load_corpus,
    normalize_text,
    read_file,
    split_articles,
)
from kg.errors import CorpusError

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
BAD = DATA / "bad"
PAGES = DATA / "pages"
SEEDS = DATA / "seeds"  # copies of ../shared/seeds, the raw pages corpus/ was built from
FASTBULL_SEED = SEEDS / "000_bacf97fe9f73a22f.txt"
BLOG_SEED = SEEDS / "003_8443d40296f18335.txt"

# Opening phrases of the six distinct articles on the FastBull page, in page order.
FASTBULL_OPENINGS = [
    "ファーウェイと密接な関係を持つ中国のチップ機器メーカーSiCarrierが",
    "トランプ米大統領と中国の習近平国家主席が交渉のテーブルに着くことは",
    "中国新興AI(人工知能)企業ディープシーク(深度求索)が今年初め",
    "業界団体SEMIが水曜日に発表した報告書によると",
    "2023年、スマートフォンから半導体まで手掛ける中国の華為技術",
    "中国企業は、米国製チップは「もはや安全ではない」として購入を控え",
]
CHROME = ["実:--", "予: --", "NULL_CELL", "ログイン", "サインアップ", "ブローカー", "FastBull"]


# --- the seed pages --------------------------------------------------------------------------


def test_fastbull_page_splits_into_six_articles_with_the_repeat_kept_once() -> None:
    pieces = split_articles(FASTBULL_SEED.read_text(encoding="utf-8"))
    assert len(pieces) == 6
    for opening, piece in zip(FASTBULL_OPENINGS, pieces, strict=True):
        assert piece.startswith(opening)
        assert sum(opening in p for p in pieces) == 1
        assert piece.count(opening) == 1  # the re-posted open-source column is not inside
    for piece in pieces:
        assert not any(junk in piece for junk in CHROME), piece[:80]
    assert pieces[0].endswith("(ドル=7.2480人民元)")
    assert pieces[1].endswith("基づいて書かれています)")
    assert "大躍進" in pieces[0].split("\n")  # a subheading inside an article stays


def test_blog_page_is_one_article_without_chrome() -> None:
    (piece,) = split_articles(BLOG_SEED.read_text(encoding="utf-8"))
    assert piece.startswith("中国の人工知能(AI)企業・DeePSeek")
    assert piece.endswith("つながると確信している。")
    for chrome in ["一歩先の経済展望", "国内と世界の経済動向", "コメント", "シェア", "2025-01-28"]:
        assert chrome not in piece
    (article,) = read_file(BLOG_SEED, SEEDS)
    assert article.part == 0
    assert (
        article.title
        == "ディープシークショック、米の対中規制強化につながるのか 日本もIOWNで関与すべき"
    )
    assert article.date == "2025-01-28"


def test_seed_page_read_directly_gives_numbered_parts() -> None:
    articles = read_file(FASTBULL_SEED, SEEDS)
    assert [a.key for a in articles] == [f"{FASTBULL_SEED.name}#{n}" for n in range(1, 7)]


# --- the committed corpus --------------------------------------------------------------------


def test_committed_corpus_loads_one_article_per_file() -> None:
    corpus = load_corpus([CORPUS])
    assert corpus.skipped == []
    files = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.md"))
    assert [a.key for a in corpus.articles] == files
    assert len(corpus.articles) == 7
    for article in corpus.articles:
        assert article.part == 0
        assert article.title and article.seed and article.source
        assert article.text and "\n\n" not in article.text
    by_path = {a.path: a for a in corpus.articles}
    blog = by_path["blog/deepseek-shock.md"]
    assert (blog.date, blog.source) == ("2025-01-28", "一歩先の経済展望")
    assert by_path["fastbull/01-sicarrier-funding.md"].meta == {"site": "FastBull"}


def test_corpus_files_are_the_split_seed_articles() -> None:
    """Loading seeds and corpus together: every seed article duplicates one corpus file."""
    corpus = load_corpus([CORPUS, SEEDS])
    assert len(corpus.articles) == 7
    assert len(corpus.skipped) == 7
    assert all(s.reason.startswith("duplicate of ") for s in corpus.skipped)


# --- bad files and encodings -----------------------------------------------------------------

EXPECTED_SKIPS = {
    "binary.txt": "not text (binary)",
    "empty.txt": "empty",
    "whitespace.txt": "whitespace only",
    "malformed_front_matter.md": "malformed YAML front matter: ",
    "script_only.html": "no main text in HTML page",
}
EXPECTED_TEXT = {
    "shift_jis.txt": "東京エレクトロンは12日、中国向けの半導体製造装置",
    "euc_jp.txt": "台湾積体電路製造(TSMC)は、熊本県の第2工場",
    "utf16_bom.txt": "オランダ政府は、ASMLの液浸露光装置",
    "utf8_bom.md": "ラピダスは北海道千歳市の工場で",
    "nul_bytes.txt": "キオクシアは、NAND型フラッシュメモリーの減産を終了すると発表した。",
}


def test_bad_directory_each_file_skipped_once_or_read() -> None:
    corpus = load_corpus([BAD])
    reasons = {s.path: s.reason for s in corpus.skipped}
    assert len(corpus.skipped) == len(EXPECTED_SKIPS)
    for name, reason in EXPECTED_SKIPS.items():
        assert reasons[name].startswith(reason), (name, reasons[name])
    texts = {a.path: a.text for a in corpus.articles}
    assert sorted(texts) == sorted(EXPECTED_TEXT)
    for name, opening in EXPECTED_TEXT.items():
        assert texts[name].startswith(opening), (name, texts[name])
        assert "\x00" not in texts[name] and "\ufeff" not in texts[name]
    bom = next(a for a in corpus.articles if a.path == "utf8_bom.md")
    assert (bom.title, bom.date, bom.source) == ("BOM付きの記事", "2024-12-03", "テスト通信")


def test_malformed_front_matter_reason_names_the_line() -> None:
    with pytest.raises(CorpusError) as info:
        read_file(BAD / "malformed_front_matter.md", BAD)
    assert "line 3" in info.value.reason
    assert "malformed_front_matter.md" in str(info.value)


def test_strict_raises_at_first_bad_file() -> None:
    with pytest.raises(CorpusError) as info:
        load_corpus([BAD], strict=True)
    assert info.value.path == "binary.txt"
    assert info.value.reason == "not text (binary)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_unreadable_file_is_skipped(tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("半導体の記事です。", encoding="utf-8")
    locked.chmod(0)
    try:
        corpus = load_corpus([tmp_path])
    finally:
        locked.chmod(0o644)
    assert [(s.path, s.reason) for s in corpus.skipped] == [
        ("locked.txt", "unreadable: permission denied")
    ]


def test_symlink_loops_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("日本の半導体装置の輸出が増えた。", encoding="utf-8")
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "back").symlink_to(tmp_path, target_is_directory=True)
    corpus = load_corpus([tmp_path])
    assert [a.path for a in corpus.articles] == ["ok.txt"]
    assert sorted((s.path, s.reason) for s in corpus.skipped) == [
        ("loop.txt", "symlink loop"),
        ("sub/back", "symlink loop"),
    ]
    with pytest.raises(CorpusError):
        load_corpus([tmp_path], strict=True)


def test_symlinks_out_of_the_corpus_are_skipped(tmp_path: Path) -> None:
    """A corpus directory is read as itself: links to files or directories outside it
    (/etc/passwd, /proc/self/environ, a folder of articles elsewhere) are bad files, named;
    a link that stays inside is followed; a link named on the command line is read."""
    corpus, elsewhere = tmp_path / "corpus", tmp_path / "elsewhere"
    (corpus / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    (corpus / "ok.md").write_text("キオクシアは東京に本社を置く。\n", encoding="utf-8")
    (elsewhere / "secret.md").write_text("秘密の社内文書は外に出てはならない。\n", encoding="utf-8")
    (corpus / "secret.md").symlink_to(elsewhere / "secret.md")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "environ.txt").symlink_to("/proc/self/environ")
    (corpus / "sub" / "outside").symlink_to(elsewhere, target_is_directory=True)
    (corpus / "sub" / "inside.md").symlink_to("../ok.md")
    loaded = load_corpus([corpus])
    assert [a.path for a in loaded.articles] == ["ok.md"]
    reasons = {s.path: s.reason for s in loaded.skipped}
    real = os.path.realpath
    assert reasons == {
        "environ.txt": f"symlink to a file outside the corpus ({real('/proc/self/environ')})",
        "passwd.txt": "symlink to a file outside the corpus (/etc/passwd)",
        "secret.md": f"symlink to a file outside the corpus ({elsewhere / 'secret.md'})",
        "sub/outside": f"symlink to a directory outside the corpus ({elsewhere})",
        "sub/inside.md": "duplicate of ok.md",  # followed: it stays inside
    }
    (named,) = load_corpus([corpus / "secret.md"]).articles
    assert named.text.startswith("秘密の社内文書")


ALIAS_BOMB = "---\n" + "".join(
    f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}" if i else '"lol"'] * 9) + "]\n" for i in range(9)
) + "---\nキオクシアは東京に本社を置く。\n"  # fmt: skip


@pytest.mark.parametrize(
    ("front", "reason"),
    [(ALIAS_BOMB.split("---\n")[1], "aliases (*name) are not allowed"),
     ("title: " + "長" * 70_000 + "\n", "over 65,536 characters"),
     ("n: " + "9" * 5000 + "\n", "malformed YAML front matter: Exceeds the limit"),
     ("? [a, b]\n: c\n", "malformed YAML front matter: found unhashable key (line 2"),
     ("x: !!python/object/apply:os.system [echo pwned]\n", "malformed YAML front matter: ")],
    ids=["alias-bomb", "too-long", "huge-integer", "unhashable-key", "python-tag"],
)  # fmt: skip
def test_front_matter_yaml_is_bounded(tmp_path: Path, front: str, reason: str) -> None:
    import time

    (tmp_path / "bad.md").write_text(f"---\n{front}---\n米国は輸出規制を強化した。\n", "utf-8")
    started = time.monotonic()
    loaded = load_corpus([tmp_path])
    assert time.monotonic() - started < 5
    assert loaded.articles == []
    ((path, why),) = [(s.path, s.reason) for s in loaded.skipped]
    assert path == "bad.md" and why.startswith("malformed YAML front matter: ")
    assert reason in why, why


def test_front_matter_text_is_cleaned_like_the_body(tmp_path: Path) -> None:
    """YAML escapes cannot bring control characters (a terminal escape, NUL) or a bidi
    override into titles and sources."""
    front = 'title: "赤\\x1b[31m字\\x00\\u202eの見出し"\nsource: "\\x07通信\\u2066"'
    (tmp_path / "a.md").write_text(f"---\n{front}\n---\n米国は輸出規制を強化した。\n", "utf-8")
    (article,) = load_corpus([tmp_path]).articles
    assert (article.title, article.source) == ("赤[31m字の見出し", "通信")


def test_missing_path_and_ignored_extensions(tmp_path: Path) -> None:
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / ".hidden.txt").write_text("隠しファイル。", encoding="utf-8")
    corpus = load_corpus([tmp_path, tmp_path / "nope"])
    assert corpus.articles == []
    assert [(s.path, s.reason) for s in corpus.skipped] == [(str(tmp_path / "nope"), "not found")]


def test_decode_bytes_japanese_encodings() -> None:
    text = "米国の輸出規制で、中国向けの出荷が減った。「影響は限定的」との声も。"
    for encoding in ("utf-8", "utf-8-sig", "shift_jis", "cp932", "euc_jp", "utf-16"):
        assert decode_bytes(text.encode(encoding)) == text, encoding
    with pytest.raises(CorpusError, match="empty"):
        decode_bytes(b"")


def test_normalize_text_nfkc_keeps_japanese_punctuation() -> None:
    raw = "\ufeffＡＢＣ１２３　ﾃｽﾄ｡｢引用｣､\r\n二行目\x00。\r三行目\u200b、「」\x07\n"
    assert normalize_text(raw) == "ABC123 テスト。「引用」、\n二行目。\n三行目、「」"


# --- pages -----------------------------------------------------------------------------------


def test_html_page_with_menus_gives_the_article() -> None:
    (article,) = read_file(PAGES / "article_with_menus.html", PAGES)
    assert article.text.startswith("米商務省は2日、中国向けの半導体製造装置")
    assert article.text.endswith("半導体関連株に売りが先行した。")
    assert len(article.text.split("\n")) == 4
    for chrome in ["トップ", "ログイン", "シェア", "ランキング", "Copyright", "プライバシー"]:
        assert chrome not in article.text
    assert article.title == "米、中国向け先端半導体の輸出規制を拡大"
    assert article.date == "2024-12-03"


def test_user_page_with_datelines_splits() -> None:
    articles = read_file(PAGES / "wire_page.txt", PAGES)
    assert [a.key for a in articles] == [f"wire_page.txt#{n}" for n in (1, 2, 3)]
    assert [a.text.split(" - ")[0] for a in articles] == [
        "[北京 2日 ロイター]",
        "[東京 3日 ロイター]",
        "[ワシントン 3日 ロイター]",
    ]
    assert articles[0].text.endswith("(1ドル=7.2830人民元)")
    assert not any("シェア" in a.text or "ログイン" in a.text for a in articles)


def test_front_matter_split_flag(tmp_path: Path) -> None:
    page = (PAGES / "wire_page.txt").read_text(encoding="utf-8")
    (tmp_path / "one.md").write_text("---\nsource: テスト\n---\n" + page, encoding="utf-8")
    (tmp_path / "many.md").write_text("---\nsplit: true\n---\n" + page, encoding="utf-8")
    (tmp_path / "plain.txt").write_text("---\nsplit: false\n---\n" + page, encoding="utf-8")
    assert len(read_file(tmp_path / "one.md", tmp_path)) == 1
    assert len(read_file(tmp_path / "many.md", tmp_path)) == 3
    (plain,) = read_file(tmp_path / "plain.txt", tmp_path)
    assert "ログイン" not in plain.text and "アドバンテスト" in plain.text


# --- duplicates ------------------------------------------------------------------------------


def test_exact_and_near_duplicates_are_dropped(tmp_path: Path) -> None:
    original = CORPUS / "fastbull" / "01-sicarrier-funding.md"
    text = original.read_text(encoding="utf-8")
    shutil.copy(original, tmp_path / "a.md")
    changed = text.replace(
        "チップ製造装置は通常、顧客に採用される前に長いテストと検証プロセスを経る。",
        "半導体の製造装置は、採用までに通常1年以上の評価期間を必要とする。",
    )
    assert changed != text
    (tmp_path / "b.md").write_text(changed.replace("title: ", "title: 別題 "), encoding="utf-8")
    (tmp_path / "c.md").write_text(text.replace("source: ロイター", "source: 別"), "utf-8")
    other = CORPUS / "fastbull" / "06-china-groups-us-chips-unsafe.md"
    shutil.copy(other, tmp_path / "d.md")
    corpus = load_corpus([tmp_path])
    assert [a.path for a in corpus.articles] == ["a.md", "d.md"]
    reasons = {s.path: s.reason for s in corpus.skipped}
    assert reasons["b.md"].startswith("near-duplicate of a.md")
    assert reasons["c.md"] == "duplicate of a.md"


def test_article_key_and_hash() -> None:
    one = Article(path="x.md", part=0, text="本文。", title="題", date=None, source=None,
                  url=None, seed=None, meta={})  # fmt: skip
    two = Article(path="p.txt", part=2, text="本文。", title="題", date=None, source=None,
                  url=None, seed=None, meta={"k": 1})  # fmt: skip
    assert (one.key, two.key) == ("x.md", "p.txt#2")
    assert one.content_hash == two.content_hash  # same text and fields; meta not included
    assert len(one.content_hash) == 64


# --- robustness ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2048))
def test_decode_bytes_never_fails_unexpectedly(data: bytes) -> None:
    try:
        text = decode_bytes(data)
    except CorpusError:
        return
    assert isinstance(text, str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2048))
def test_normalize_and_split_never_fail(text: str) -> None:
    normalized = normalize_text(text)
    assert normalize_text(normalized) == normalized
    for piece in split_articles(normalized):
        assert piece.strip()
    split_articles(text)


@pytest.mark.parametrize(
    "megabytes", [2, pytest.param(20, marks=pytest.mark.slow)], ids=["2MB", "20MB"]
)
def test_a_big_page_of_repeated_stories(tmp_path: Path, megabytes: int) -> None:
    """A page of one story repeated with a name changed: split into its stories, every one
    after the first a near-duplicate of it."""
    body = (CORPUS / "fastbull" / "01-sicarrier-funding.md").read_text("utf-8").split("---\n")[2]
    chunks, size, n = [], 0, 0
    while size < megabytes * 1_000_000:
        chunk = body.replace("SiCarrier", f"SiCarrier{n}")
        chunks.append(chunk)
        size += len(chunk.encode())
        n += 1
    (tmp_path / "big.txt").write_text("".join(chunks), encoding="utf-8")
    corpus = load_corpus([tmp_path / "big.txt"])
    assert len(corpus.articles) + len(corpus.skipped) == n
    assert all(s.reason.startswith("near-duplicate of big.txt#") for s in corpus.skipped)
