"""Step 1: one parsed sentence with its mentions, the particles after them, their lists
(A、BやCなど) and the sentence topic. Reference resolution and argument slots are mixed in
from `kg.relations.references` and `kg.relations.slots`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from kg.relations.context import Context, Ref
from kg.relations.grammar import Grammar
from kg.relations.references import References
from kg.relations.slots import Slots

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from kg.entities import Mention


class Sentence(References, Slots):
    """One parsed sentence with its mentions, list groups and particles."""

    def __init__(
        self, doc: Doc, mentions: Sequence[Mention], grammar: Grammar, context: Context
    ) -> None:
        self.doc = doc
        self.g = grammar
        self.ctx = context
        self.mentions = [m for m in mentions if not m.prefix]
        self.prefixes = [m for m in mentions if m.prefix]
        self.by_token: dict[int, Mention] = {}
        for m in self.mentions:
            for i in range(m.start, m.end):
                self.by_token[i] = m
        self.groups = self._groups()
        self._busy: set[tuple[str, int]] = set()
        self._memo: dict[tuple[str, int], object] = {}
        self.topic: list[Ref] = []
        self.topic = self._topic()

    # ------------------------------------------------------------- particles
    def particle_after(self, end: int) -> str:
        """Particle sequence right after token index `end - 1` (skipping brackets)."""
        doc = self.doc
        if end < len(doc) and doc[end].text in (")", "）", "]"):
            return ""  # a name inside brackets (東京・千代田): the particle after belongs outside
        i = self.skip_brackets(end)
        parts: list[str] = []
        while i < len(doc):
            t = doc[i]
            cand = "".join(parts) + t.text
            if len(cand) > self.g.max_particle:
                break
            if t.pos_ in ("ADP", "SCONJ", "PART") or cand in self.g.particle_prefixes:
                parts.append(t.text)
                i += 1
                continue
            break
        seq = "".join(parts)
        for lead in ("など", "等"):
            rest = seq[len(lead) :]
            if seq.startswith(lead) and rest in self.g.particles and rest not in ("の", ""):
                return rest
        while seq and seq not in self.g.particles:
            seq = seq[:-1] if len(seq) > 1 else ""
            if seq in self.g.particles:
                break
        return seq

    def skip_brackets(self, i: int) -> int:
        """Index after closing quotes and bracketed asides (東京・千代田), (当時は東芝メモリ)."""
        doc = self.doc
        while i < len(doc):
            t = doc[i].text
            if t in ("」", "』", ")", "）", ">", " ", "<"):
                i += 1
            elif t in ("(", "（", "[") and i + 1 < len(doc):
                close = next(
                    (
                        k
                        for k in range(i + 1, min(len(doc), i + 16))
                        if doc[k].text in (")", "）", "]")
                    ),
                    None,
                )
                if close is None:
                    break
                i = close + 1
            else:
                break
        return i

    def skip_back(self, i: int) -> int:
        """Index of the last token of a name ending at or before i (skipping brackets)."""
        doc = self.doc
        while i > 0 and doc[i].text in (")", "）", "」", "』", "]", ">"):
            depth = 0
            j = i
            while j > 0:
                if doc[j].text in (")", "）", "]"):
                    depth += 1
                elif doc[j].text in ("(", "（", "["):
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            i = j - 1 if doc[i].text not in ("」", "』", ">") else i - 1
        return i

    def slot_of(self, end: int) -> str | None:
        seq = self.particle_after(end)
        return self.g.particles.get(seq)

    def mention_end(self, tok: Token) -> int:
        m = self.by_token.get(tok.i)
        return m.end if m else tok.i + 1

    # ------------------------------------------------------------- lists
    _SEP = re.compile(
        r"^[\s、,，・/]*(?:や|と|及び|および|並びに|ならびに|または|又は|のほか|のほかに|に加え|に加えて"
        r"|とともに|と共に|、|,|，)?[\s、,，]*"
        r"(?:[^\sぁ-ゖ、,。]{1,14}(?:の|、)?)?$"
    )

    def _groups(self) -> dict[int, list[Mention]]:
        groups: dict[int, list[Mention]] = {}
        ms = sorted(self.mentions, key=lambda m: m.char_start)
        text = self.doc.text
        current: list[Mention] = []
        for m in ms:
            if current:
                prev = current[-1]
                gap = text[prev.char_end : m.char_start]
                for p in self.prefixes + [
                    x for x in self.mentions if x.cls in ("Country", "Place") and x is not m
                ]:
                    if prev.char_end <= p.char_start and p.char_end <= m.char_start:
                        gap = gap.replace(p.text, "")
                if not re.match(
                    r"^[\s、,，・/]*(?:や|と|及び|および|並びに|ならびに|または|又は|のほか|に加え"
                    r"|とともに|と共に|、|,|，)",
                    gap,
                ) and (gap.strip() not in ("", "・")):
                    gap = "x" * 99  # a list needs a separator
                if any(
                    prev.char_end <= x.char_start and x.char_end <= m.char_start
                    for x in self.mentions
                    if x.cls not in ("Country", "Place")
                ):
                    gap = "x" * 99
                gap = re.sub(r"\s*<?\s*[(（\[][^()（）\[\]]*[)）\]]\s*>?", "", gap)
                if (
                    gap
                    and self._SEP.match(gap)
                    and self._np_end(prev)
                    and prev.cls == m.cls
                    or (
                        gap
                        and self._SEP.match(gap)
                        and self._np_end(prev)
                        and {prev.cls, m.cls} <= {"Company", "Association", "GovernmentBody"}
                    )
                ):
                    current.append(m)
                    continue
                self._close(current, groups)
            current = [m]
        self._close(current, groups)
        return groups

    def _np_end(self, m: Mention) -> bool:
        i = m.end
        if i < len(self.doc) and self.doc[i].text in ("社", "製", "傘下", "系"):
            i += 1
        if i >= len(self.doc):
            return True
        t = self.doc[i]
        return t.pos_ in ("ADP", "PUNCT", "SYM", "CCONJ", "SCONJ") or t.text in ("、", "や", "と")

    @staticmethod
    def _close(current: list[Mention], groups: dict[int, list[Mention]]) -> None:
        if len(current) > 1:
            for m in current:
                groups[id(m)] = list(current)

    def root_of(self, m: Mention) -> int:
        """Token that heads a name in the parse (the last one attached outside it)."""
        core = ("nsubj", "obj", "obl", "nmod", "iobj", "compound", "ROOT", "dislocated", "appos")
        outside = [
            t
            for t in self.doc[m.start : m.end]
            if not (m.start <= t.head.i < m.end) or t.head.i == t.i
        ]
        good = [t for t in outside if t.dep_ in core]
        pick = good or outside
        return pick[-1].i if pick else m.end - 1

    @cached_property
    def reporters(self) -> set[str]:
        """Entities the sentence names as the source of what it says (ロイター通信によれば,
        日経の報道では, 英FTが報じた, BやCなどの米メディアは報じている): no party to it."""
        mod = self.g.modality
        text = self.doc.text
        out: set[str] = set()
        for m in self.mentions:
            rest = text[m.char_end :].removeprefix("の")
            if any(rest.startswith(x) for x in mod["report_markers"]):
                out |= {x.iri for x in self.members(m)}
                continue
            tok = self.doc[self.root_of(m)]
            head = tok.head
            while head.pos_ == "NOUN" and head.i != head.head.i and tok.dep_ != "nsubj":
                tok, head = head, head.head  # BやCなどの米メディアは: the noun the list names
            if (
                head.lemma_ in mod["news_verbs"]
                and not self.passive(head)  # Xは…と報じられている: X is what the news is about
                and self.slot_of(self.mention_end(tok)) in ("subj", "topic")
            ):
                out |= {x.iri for x in self.members(m)}
        return out

    def same_list(self, a: str, b: str) -> bool:
        """Are the entities `a` and `b` members of one list of this sentence (AやBも出資する:
        they share a role, so neither can be the other's investor, supplier, owner...)?"""
        return any({a, b} <= {x.iri for x in group} for group in map(tuple, self.groups.values()))

    def members(self, m: Mention) -> list[Mention]:
        return self.groups.get(id(m), [m])

    # ------------------------------------------------------------- topic
    def _topic(self) -> list[Ref]:
        """The main clause's topic (Xは), else its subject (Xが), for carried subjects."""
        for wanted in ("topic", "subj"):
            for m in self.mentions:
                if self.slot_of(m.end) == wanted and not self._in_relative_clause(m.end - 1):
                    return self.refs_of_mention(m)
        for tok in self.doc:
            if tok.text in self.g.company_anaphora and self.slot_of(tok.i + 1) == "topic":
                return self.resolve(tok)
        return []

    def _in_relative_clause(self, i: int) -> bool:
        tok = self.doc[i]
        m = self.by_token.get(i)
        while m is not None and m.start <= tok.head.i < m.end and tok.head.i != tok.i:
            tok = tok.head  # climb out of the name itself (GiNZA may tag a name as a verb)
        if m is not None and tok.dep_ == "acl":
            tok = tok.head
        steps = 0
        while tok.head.i != tok.i and steps < 20:
            if tok.dep_ == "acl":
                return True
            tok = tok.head
            steps += 1
        return False
