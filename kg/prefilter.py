"""Pre-filter: which sentences can yield a fact, decided from plain text before parsing.

GiNZA's neural pipeline is the cost of a build. `kg.relations.extract_sentence` reads facts
only from a sentence with at least two mentions (noun-phrase patterns such as 米Lam Research
or 台湾のTSMC need no cue), or with a company anaphor (同社, 両社, ...) and a cue word. This
module over-approximates both conditions on the raw sentence text:

- candidate mentions = gazetteer matches (`kg.entities.gazetteer_matches` with every offset
  treated as a token boundary), one-character state prefixes (米, 中) and strings GiNZA's NER
  might call a name (Latin words, katakana runs, kanji runs ending in a company suffix);
- cue words = the cue lemmas of ontology/relation-cues.yaml with trailing okurigana removed
  (売る -> 売, 買い付ける -> 買い付), searched as substrings.

A sentence that fails the test is not parsed, only tokenized (`Language.make_doc`), so it
keeps its index, offsets and its gazetteer and pattern mentions: those still feed the
article's coreference context (同社 refers to the last company named, possibly in a sentence
that was not parsed). tests/test_prefilter.py checks that the facts are identical to a full
parse on corpus/ and the evaluation corpora.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from kg.entities import gazetteer_matches, load_gazetteer, load_rules, script_of
from kg.relations import load_grammar

VERSION = "kg.prefilter.v1"


@dataclass(frozen=True)
class Prefilter:
    """Compiled plain-text tests, built from the gazetteer, entity rules and cue file."""

    cue: re.Pattern
    anaphor: re.Pattern
    context: re.Pattern  # anything resolved from earlier sentences (同社, 同国, この技術)
    name: re.Pattern
    defined: re.Pattern  # names a sentence defines: (芯源微), 株式会社ミライ半導体
    quoted: re.Pattern  # quoted names: 「紫霄」
    group: re.Pattern  # a count of firms: 25社, 140の企業
    prefixes: frozenset[str]

    def select(self, texts: list[str]) -> list[bool]:
        """Which sentences of one article to parse: those that can yield a fact, and those
        whose names a parse might read differently where it matters elsewhere.

        A skipped sentence keeps its gazetteer mentions but loses names only NER finds.
        Such names feed the article's context (同社, 同国, この技術 resolve to the last one)
        and its bracket-learned aliases, so a sentence with a non-gazetteer name candidate
        is parsed too when a later selected sentence holds an anaphor, or when a selected
        sentence spells one of its names.
        """
        defined = set().union(*(self._defined(t) for t in texts))
        chosen = [self.needs_parse(t, defined) for t in texts]
        names = [self._names(t) for t in texts]
        while True:
            last_anaphor = max(
                (i for i, t in enumerate(texts) if chosen[i] and self.context.search(t)),
                default=-1,
            )
            read = "\n".join(t for t, c in zip(texts, chosen, strict=True) if c)
            more = [
                i
                for i, t in enumerate(texts)
                if not chosen[i]
                and names[i]
                and (i < last_anaphor or any(n in read for n in names[i]))
            ]
            if not more:
                return chosen
            for i in more:
                chosen[i] = True

    def _names(self, text: str) -> set[str]:
        """Name candidates of `text` that are not gazetteer matches, and the names it
        defines for later sentences: bracketed aliases (瀋陽芯源微電子設備(芯源微)) and
        names after a legal form (株式会社ミライ半導体)."""
        gaz = load_gazetteer()
        taken = [(a, b) for a, b, _ in gazetteer_matches(text, gaz)]
        found = {
            m.group()
            for m in self.name.finditer(text)
            if not any(m.start() < y and x < m.end() for x, y in taken)
        }
        if found:
            found |= self._defined(text)
        return found

    def _defined(self, text: str) -> set[str]:
        """Names `text` defines for the rest of its article, which the linker then finds
        wherever they are written again: bracketed aliases (瀋陽芯源微電子設備(芯源微)) and
        names after a legal form (株式会社ミライ半導体)."""
        return {g for m in self.defined.finditer(text) for g in m.groups() if g}

    def needs_parse(self, text: str, defined: Iterable[str] = ()) -> bool:
        """Can the sentence `text` yield a fact? False only when it certainly cannot.
        `defined`: names its article defines elsewhere (see `_defined`)."""
        cue = self.cue.search(text) is not None
        if cue and (self.anaphor.search(text) or self.group.search(text)):
            return True  # 同社 resolves from earlier sentences; 25社 feeds later ones
        spans = self.candidates(text, defined)
        if len(spans) < 2:
            return False
        if cue:
            return True
        # no cue: only a noun-phrase pattern can fire, and it needs two candidates joined
        # by nouns, brackets and の (米Lam Research, 台湾のTSMC) or by particles alone
        # (インテルといった米国の…)
        return any(_np_gap(text[a[1] : b[0]]) for a, b in zip(spans, spans[1:], strict=False))

    def candidates(self, text: str, defined: Iterable[str] = ()) -> list[tuple[int, int]]:
        """Spans that may be mentions after parsing (a superset), in text order."""
        gaz = load_gazetteer()
        taken = [(a, b) for a, b, _ in gazetteer_matches(text, gaz)]
        spans = [m.span() for m in self.name.finditer(text)]
        spans += [m.span(1) for m in self.quoted.finditer(text)]
        for name in defined:
            start = text.find(name)
            while start >= 0:
                spans.append((start, start + len(name)))
                start = text.find(name, start + 1)
        for a, b in spans:
            if not any(a < y and x < b for x, y in taken):
                taken.append((a, b))
        for i, ch in enumerate(text):
            if ch in self.prefixes and not any(x <= i < y for x, y in taken):
                taken.append((i, i + 1))
        return sorted(taken)


_NP_JOIN = re.compile(r"[の・･\s「」『』()（）\[\]<>]")


def _np_gap(gap: str) -> bool:
    """Could the text between two names be noun-phrase fillers, or list particles?"""
    if not any(script_of(c) == "hira" for c in _NP_JOIN.sub("", gap)):
        return True
    return len(gap) <= 6 and all(script_of(c) == "hira" for c in gap)


def _stem(lemma: str) -> str:
    """A cue lemma without trailing okurigana (売る -> 売); kana-only lemmas lose one kana."""
    stem = lemma
    while stem and script_of(stem[-1]) == "hira":
        stem = stem[:-1]
    if not stem:  # しのぐ -> しの
        stem = lemma[:-1] or lemma
    return stem


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)


@cache
def load_prefilter() -> Prefilter:
    """The pre-filter for the current ontology files (cached per process)."""
    g = load_grammar()
    rules = load_rules()
    gaz = load_gazetteer()
    cues = {_stem(lemma) for lemma in g.by_lemma}
    suffixes = [
        s
        for s in (*rules.company_suffixes, *rules.name_suffixes)
        if any(script_of(c) == "kanji" for c in s)
    ]
    name = (
        r"[A-Za-zＡ-Ｚａ-ｚ][A-Za-z0-9Ａ-Ｚａ-ｚ０-９&.\-]*"  # Latin words
        r"|[\u30a0-\u30ff\u31f0-\u31ffー・･]{2,}"  # katakana runs
        rf"|[\u3400-\u4dbf\u4e00-\u9fff々]+(?:{_alternation(suffixes)})"  # kanji + suffix
    )
    return Prefilter(
        cue=re.compile(_alternation(cues)),
        anaphor=re.compile(_alternation(g.company_anaphora)),
        context=re.compile(
            _alternation([*g.company_anaphora, *g.country_anaphora])
            + "|"
            + rf"(?:この|その|同|当該)[^。、]{{0,12}}?(?:{_alternation(g.class_nouns)})"
        ),
        name=re.compile(name),
        defined=re.compile(
            r"[(（]([^()（）、,ぁ-ゖ]{2,20})[)）]"
            rf"|(?:{_alternation(rules.identity_prefixes)})([^\sぁ-ゖ、。]{{2,12}})"
        ),
        quoted=re.compile(r"[「『]([^」』ぁ-ゖ]{1,40})[」』]"),
        group=re.compile(rf"[0-9０-９]+\s*(?:{_alternation(g.group_counters)})"),
        prefixes=frozenset(gaz.short_forms),
    )
