"""What a token stands for: a name, a list, 同社, この技術, or a descriptor noun.

A mixin of `kg.relations.sentence.Sentence` (it uses the sentence's mentions, particles and
lists)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.relations.context import Ref, dedupe

if TYPE_CHECKING:
    from spacy.tokens import Token

    from kg.entities import Mention


class References:
    def refs_of_mention(self, m: Mention, via: str = "direct") -> list[Ref]:
        group = self.members(m)
        v = via if len(group) == 1 else "list"
        return [Ref(x.iri, x.cls, x.text, v) for x in group]

    def _guarded(self, kind: str, tok: Token, fn, empty):
        key = (kind, tok.i)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:
            return empty
        self._busy.add(key)
        try:
            value = fn(tok)
        finally:
            self._busy.discard(key)
        self._memo[key] = value
        return value

    def resolve(self, tok: Token, depth: int = 0) -> list[Ref]:
        """Entities a token stands for: a name, a list, 同社, この技術, or a descriptor noun."""
        return self._guarded("resolve", tok, self._resolve, [])

    def _resolve(self, tok: Token, depth: int = 0) -> list[Ref]:
        if depth > 4:
            return []
        m = self.by_token.get(tok.i)
        if m is not None:
            return self.refs_of_mention(m)
        text = tok.text
        g = self.g
        if text in g.company_anaphora or tok.lemma_ in g.company_anaphora:
            if text == "両社":
                here = dedupe(
                    Ref(m.iri, m.cls, m.text, "coref")
                    for m in self.mentions
                    if m.end <= tok.i and m.cls == "Company"
                )
                pair = here[-2:] if len(here) >= 2 else self.ctx.last_two("Company")
                return [Ref(r.iri, r.cls, text, "coref") for r in pair]
            if text == "自社" and self.topic:
                return [Ref(r.iri, r.cls, text, "coref") for r in self.topic]
            ref = self.ctx.last("Company")
            return [Ref(ref.iri, ref.cls, text, "coref")] if ref else []
        if text in g.home_government and not (
            tok.i > 0 and (tok.i - 1 in self.by_token or self.doc[tok.i - 1].text == "の")
        ):
            from kg.entities import load_gazetteer

            iri = load_gazetteer().lookup(g.home_government[text])
            if iri:
                return [Ref(iri, "Country", text, "coref")]
        if text.endswith(g.state_organ_suffixes):
            for c in tok.children:
                cm = self.by_token.get(c.i)
                if cm is not None and cm.cls == "Country" and self.slot_of(cm.end) == "gen":
                    return [Ref(cm.iri, cm.cls, text, "coref")]
        if text in g.country_anaphora:
            ref = self.ctx.last("Country")
            return [Ref(ref.iri, ref.cls, text, "coref")] if ref else []
        cls = g.class_nouns.get(text)
        dets = [
            c for c in tok.children if c.dep_ == "det" and c.text in ("この", "その", "同", "当該")
        ]
        if cls and (dets or text.startswith("同")):
            ref = self._last_in_sentence(tok, cls) or self.ctx.last(cls, window=1)
            if ref:
                return [Ref(ref.iri, ref.cls, text, "coref")]
        if tok.pos_ not in ("NOUN", "PROPN", "PRON", "NUM"):
            return []
        # A、BなどのN / Aを含むN / A といった N: N is the list; A、B、Cの3社: the count is
        # the list
        counted = text in g.group_counters and any(c.like_num for c in tok.children)
        for c in tok.children:
            if c.i < tok.i:
                slot = self.slot_of(self.mention_end(c))
                if slot in g.identity or counted and slot == "gen":
                    refs = [r for r in self.resolve(c, depth + 1) if self.same_kind(tok, r)]
                    if refs:
                        return refs
                if c.dep_ == "acl" and c.lemma_ == "含む":
                    for cc in c.children:
                        if self.slot_of(self.mention_end(cc)) in ("obj", "incl"):
                            refs = self.resolve(cc, depth + 1)
                            if refs:
                                return refs
        # X製: the maker's name hangs on 製
        if text == "製":
            for c in tok.children:
                cm = self.by_token.get(c.i)
                if cm is not None and c.i < tok.i:
                    return self.refs_of_mention(cm)
        # A と B (B not a name): the phrase still names A; GAAと呼ぶ技術: the noun is GAA
        for c in tok.children:
            if c.i < tok.i and self.slot_of(self.mention_end(c)) == "with" and c.dep_ != "acl":
                refs = self.resolve(c, depth + 1)
                if refs:
                    return refs
            if c.dep_ == "acl" and c.lemma_ in ("呼ぶ", "いう", "言う", "称する"):
                for cc in c.children:
                    if self.slot_of(self.mention_end(cc)) == "with":
                        refs = self.resolve(cc, depth + 1)
                        if refs:
                            return refs
        # 「R1」モデル: a name of the noun's own class compounded into it
        if cls:
            for c in tok.children:
                cm = self.by_token.get(c.i)
                if cm and cm.cls == cls and c.i < tok.i and self.slot_of(cm.end) is None:
                    return self.refs_of_mention(cm)
        # 装置メーカーのナウラ is handled by the mention itself; here the descriptor is a
        # predicate complement: 同社は…プロバイダーになりたい
        head = tok.head
        if (
            head.i != tok.i
            and head.lemma_ in g.copulas
            and self.slot_of(tok.i + 1)
            in (
                "dat",
                "with",
            )
        ):
            refs = self.copula_subject(head)
            if refs:
                return refs
        # 主力スマホ「Mate 60 Pro」: a name of the same kind right after the noun
        for c in tok.children:
            cm = self.by_token.get(c.i)
            if cm and c.i > tok.i and self.noun_class(tok):
                between = self.doc[tok.i + 1 : cm.start]
                same = self.same_kind(tok, Ref(cm.iri, cm.cls, cm.text))
                if same and all(t.text in "「『(（ ・" for t in between):
                    return self.refs_of_mention(cm)
        # 新興企業DeepSeek / 金融会社アント・グループ: descriptor compounded onto a name
        hm = self.by_token.get(head.i)
        if (
            hm is not None
            and tok.dep_ in ("compound", "nmod", "appos")
            and self.slot_of(tok.i + 1) in (None, "gen")
        ):
            if head.i > tok.i:
                return self.refs_of_mention(hm)
        return []

    def noun_class(self, tok: Token) -> str | None:
        """Class a common noun denotes (メーカー -> Company, モデル -> Product), if known."""
        from kg.entities import load_rules

        return self.g.class_nouns.get(tok.text) or load_rules().descriptors.get(tok.text)

    def same_kind(self, tok: Token, ref: Ref) -> bool:
        """Can `tok` (a common noun) denote the entity `ref`? (メーカー yes, チップ no)"""
        cls = self.noun_class(tok)
        if cls is None:
            return True
        agents = {"Company", "Association", "GovernmentBody"}
        return cls == ref.cls or (cls in agents and ref.cls in agents)

    def _topic_before(self, tok: Token) -> Ref | None:
        """A company that is topic or subject earlier in this sentence (AはBと…、同社の…)."""
        for m in self.mentions:
            if m.end <= tok.i and m.cls == "Company" and self.slot_of(m.end) in ("topic", "subj"):
                return Ref(m.iri, m.cls, m.text, "coref")
        return None

    def _last_in_sentence(self, tok: Token, cls: str) -> Ref | None:
        for m in reversed(self.mentions):
            if m.end <= tok.i and m.cls == cls:
                return Ref(m.iri, m.cls, m.text, "coref")
        return None
