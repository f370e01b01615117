"""References to entities (`Ref`) and what the article has said so far (`Context`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# ----------------------------------------------------------------- references


@dataclass(frozen=True)
class Ref:
    """An entity filling a slot, and how we got there (for confidence)."""

    iri: str
    cls: str
    text: str
    via: str = "direct"  # direct | list | coref | topic | deep


@dataclass
class Context:
    """What the article has said so far: for 同社, 両社, この技術."""

    history: list[tuple[int, Ref, bool]] = field(default_factory=list)  # (sentence, ref, topical)
    sentence: int = 0  # index of the sentence being read
    # facts about a group of firms (25社), for the sentences that list its members:
    # (sentence, group words, relation, subjects, modality, reporter, cue)
    groups: list[tuple] = field(default_factory=list)
    # what the last sentence was about: the entities its facts were about (their objects),
    # else its topic; an entry may take it for an object a sentence leaves out
    focus: list[Ref] = field(default_factory=list)

    def last(
        self, cls: str, *, topical: bool = False, exclude: str | None = None, window: int = 3
    ) -> Ref | None:
        """The entity of class `cls` a back-reference most likely means.

        Looks at the nearest earlier sentence that mentions one (at most `window` back);
        there, a topic or subject wins over other mentions, else the first one.
        """
        by_sentence: dict[int, list[tuple[Ref, bool]]] = {}
        for idx, ref, top in self.history:
            if ref.cls == cls and ref.iri != exclude and idx < self.sentence:
                by_sentence.setdefault(idx, []).append((ref, top))
        for idx in sorted(by_sentence, reverse=True):
            if self.sentence - idx > window:
                break
            cands = by_sentence[idx]
            tops = [r for r, t in cands if t]
            if tops:
                return tops[0]
            if not topical:
                return cands[0][0]
        return None

    def last_two(self, cls: str) -> list[Ref]:
        out: list[Ref] = []
        for _, ref, _top in reversed(self.history):
            if ref.cls == cls and all(r.iri != ref.iri for r in out):
                out.append(ref)
            if len(out) == 2:
                break
        return out


def dedupe(refs: Iterable[Ref]) -> list[Ref]:
    seen: set[str] = set()
    out = []
    for r in refs:
        if r.iri not in seen:
            seen.add(r.iri)
            out.append(r)
    return out
