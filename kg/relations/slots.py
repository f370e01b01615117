"""Step 2: the arguments of a cue, collected into named slots (subj, obj, dat, gen, rel,
pred, gov.subj, obj.trade.target, ...) from case particles, relative clauses, predicate
nouns, governing verbs and transparent nouns; passives undone, missing subjects carried.

A mixin of `kg.relations.sentence.Sentence`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.relations.context import Ref
from kg.relations.grammar import QUOTATIVE

if TYPE_CHECKING:
    from spacy.tokens import Token

    from kg.entities import Mention


class Slots:
    def is_predicate(self, tok: Token) -> bool:
        if tok.pos_ in ("VERB", "ADJ"):
            return True
        return any(c.dep_ in ("aux", "cop") for c in tok.children) or tok.dep_ == "ROOT"

    def passive(self, tok: Token) -> bool:
        return any(c.dep_ == "aux" and c.lemma_ in self.g.passive for c in tok.children) or any(
            c.lemma_ in self.g.passive for c in tok.children if c.dep_ == "fixed"
        )

    def child_slots(
        self, tok: Token, prefix: str = "", depth: int = 0, lift: str | None = None
    ) -> dict[str, list[Ref]]:
        """Slots filled by the dependents of `tok`, through transparent nouns.

        Quantities (145%, 28億ドル) are see-through: their dependents fill the slots the
        quantity fills (米国による145%の対中追加関税 -> agent 米国).
        """
        out: dict[str, list[Ref]] = {}
        g = self.g
        for c in tok.children:
            if c.dep_ in ("aux", "cop", "mark", "punct", "case", "fixed", "cc"):
                continue
            cm = self.by_token.get(c.i)
            if cm is not None and (cm is self.by_token.get(tok.i) or c.i != self.root_of(cm)):
                continue  # part of the same name, or a stray token inside a name
            slot = self.slot_of(self.mention_end(c))
            if slot is None:
                if c.dep_ in ("compound", "nmod") and c.i < tok.i:
                    slot = "compound"
                elif c.dep_ == "nsubj":
                    slot = "subj"
                elif c.dep_ == "obj":
                    slot = "obj"
                else:
                    continue
            # nouns that only pass their dependents on: 米国[向け]の輸出, 輸出を[原則]として禁止
            postposition = c.pos_ == "NOUN" and c.text in g.particles
            manner = slot == "as" and c.lemma_ in g.manner_nouns
            if cm is None and depth < 4 and (postposition or manner):
                for k, v in self.child_slots(c, prefix, depth + 1).items():
                    out.setdefault(k, []).extend(v)
                continue
            if lift is not None and slot in ("gen", "list", "incl", "with"):
                slot = lift
            if c.text == "製" and slot == "gen":
                slot = "maker"  # [アプライド・マテリアルズ]製の装置: 製 heads the maker's name
            if self.is_quantity(c) and depth < 4:
                for k, v in self.child_slots(c, prefix, depth + 1, lift=slot).items():
                    out.setdefault(k, []).extend(v)
                continue
            refs = self.resolve(c)
            if slot in self.g.identity and refs and not all(self.same_kind(tok, r) for r in refs):
                slot = "gen"  # NvidiaなどのAIチップ: possessive, not "chips such as Nvidia"
            name = f"{prefix}{slot}"
            if refs:
                out.setdefault(name, []).extend(refs)
            cat = g.transparent.get(c.lemma_) or g.transparent.get(c.text)
            if not cat and refs and all(r.cls == "Product" for r in refs):
                cat = "product"  # アップルのiPhone: the maker stands behind the product
            if not cat and not refs and slot == "gen" and depth < 3:
                # 韓国向けのフッ化水素の輸出: where the goods go is where the trade goes
                bound = self.child_slots(c, prefix, depth + 1).get(f"{prefix}target")
                if bound:
                    out.setdefault(f"{prefix}target", []).extend(bound)
            if cat and depth < 3:
                inner = self.child_slots(c, f"{name}.{cat}.", depth + 1)
                for k, v in inner.items():
                    out.setdefault(k, []).extend(
                        Ref(r.iri, r.cls, r.text, "deep" if r.via == "direct" else r.via) for r in v
                    )
            # 対中 / 対米 / 対ファーウェイ: a target compounded into the noun
            if slot == "compound":
                target = self.target_prefix(c)
                if target is not None:
                    out.setdefault(f"{prefix}compound.target", []).append(target)
        # prefixes standing right after 対 as separate tokens (対 中 輸出 規制)
        for p in self.prefixes:
            if (
                p.start > 0
                and self.doc[p.start - 1].text == "対"
                and p.end <= tok.i
                and (p.end == tok.i or self._in_compound(p, tok))
            ):
                out.setdefault(f"{prefix}compound.target", []).append(Ref(p.iri, p.cls, p.text))
        return out

    def is_quantity(self, tok: Token) -> bool:
        """A number with its unit: 145%, 28億ドル, 2割 (not a number inside a name: R1, C920,
        nor a number of firms, which stands for them: Aを含む140社)."""
        if tok.i in self.by_token or tok.text in self.g.group_counters:
            return False
        return (
            tok.text in self.g.quantity_units
            and any(c.pos_ == "NUM" or c.like_num for c in tok.children)
            or (tok.pos_ == "NUM" and tok.dep_ != "nummod")
        )

    def target_prefix(self, tok: Token) -> Ref | None:
        """The entity in a 対X word (対中 -> China, 対ファーウェイ -> Huawei)."""
        if not tok.text.startswith("対") or len(tok.text) < 2:
            return None
        from kg.entities import load_gazetteer

        gaz = load_gazetteer()
        rest = tok.text[1:]
        iri = gaz.short_forms.get(rest) or gaz.lookup(rest)
        if iri is None:
            return None
        return Ref(iri, gaz.entities[iri].cls, tok.text)

    def _in_compound(self, p: Mention, tok: Token) -> bool:
        """Does the prefix stand inside the noun compound that ends at `tok`?"""
        i = p.end
        while i < tok.i:
            t = self.doc[i]
            if t.pos_ not in ("NOUN", "PROPN", "NUM", "SYM") and t.text != "対":
                return False
            i += 1
        return i == tok.i

    def pred_args(self, pred: Token) -> dict[str, list[Ref]]:
        """Slots of a predicate, with passive voice undone and missing subjects filled."""
        return dict(self._guarded("pred", pred, self._pred_args, {}))

    def _pred_args(self, pred: Token) -> dict[str, list[Ref]]:
        slots = self.child_slots(pred)
        clause = pred
        # A が導入し、B が採用した[この技術]: coordinated predicates share the modified noun
        while clause.dep_ in ("advcl", "conj") and clause.head.i != clause.i:
            clause = clause.head
        if clause.dep_ == "acl" and not slots.get("subj") and not slots.get("topic"):
            # Xが[…発売した]Y: a が-subject right before the clause the parser hung elsewhere
            first = min(t.i for t in pred.subtree)
            if first >= 2 and self.doc[first - 1].text == "が":
                m = self.by_token.get(self.skip_back(first - 2))
                if m is not None:
                    slots["subj"] = self.refs_of_mention(m)
        if clause.dep_ == "acl":
            rel = (
                self.rel_of(clause.head)
                if clause.i == pred.i
                else self.pred_args(clause).get("rel")
            )
            if rel:
                slots["rel"] = rel
                if not slots.get("subj") and not slots.get("topic"):
                    slots["subj"] = rel
        if (
            pred.dep_ in ("csubj", "advcl")
            and any(c.text == "の" and c.dep_ == "mark" for c in pred.children)
            and self.particle_after(max(t.i for t in pred.subtree) + 1) in ("", "は")
        ):
            # XがYするのはZ(だ), a cleft: Z is what the clause leaves out
            rel = self.rel_of(pred.head)
            if rel:
                slots.setdefault("rel", rel)
        # の as subject inside a relative clause (メタの開発したLlama)
        if pred.dep_ == "acl" and "gen" in slots and "subj" not in slots:
            slots["subj"] = slots.pop("gen")
        if self.passive(pred):
            slots = self._unpassive(slots)
        for key in ("dat", "obj", "with", "from"):
            if not slots.get(key):
                stray = self._stray_argument(pred, key)
                if stray:
                    slots[key] = stray
        if not slots.get("subj") and not slots.get("topic") and not slots.get("agent"):
            inherited = self._inherit_subject(pred)
            if inherited:
                key = "obj" if self.passive(pred) and not slots.get("obj") else "subj"
                slots[key] = inherited
        return slots

    def rel_of(self, head: Token) -> list[Ref]:
        """The noun a relative clause modifies: only the name right after it, never the
        whole list that name starts (TikTokを運営する[字節跳動]、百度、…)."""
        m = self.by_token.get(head.i)
        if m is not None:
            return [Ref(m.iri, m.cls, m.text)]
        return self.resolve(head)

    def copula_subject(self, verb: Token) -> list[Ref]:
        """What a copular verb says something of (Xは…と見られる: X), voice left as is."""
        cs = self.child_slots(verb)
        for key in ("topic", "subj"):
            if cs.get(key):
                return cs[key]
        return self._inherit_subject(verb)

    def _unpassive(self, slots: dict[str, list[Ref]]) -> dict[str, list[Ref]]:
        out = dict(slots)
        patient = out.pop("subj", None) or out.pop("topic", None)
        agent = out.pop("agent", None)
        if agent is None and "dat" in out and patient is not None:
            agent = out.pop("dat")
        if patient is not None:
            out["obj"] = patient
        if agent is not None:
            out["subj"] = agent
        for key in list(out):  # Yのプロセッサが採用される: what stands behind the patient
            if key.startswith(("subj.", "topic.")) and agent is None:
                out.setdefault("obj." + key.split(".", 1)[1], []).extend(out.pop(key))
        return out

    def _inherit_subject(self, pred: Token) -> list[Ref]:
        """Subject shared with a coordinated or governing predicate, else the topic."""
        seen = 0
        tok = pred
        while tok.dep_ in ("advcl", "conj", "ccomp", "xcomp", "acl", "csubj") and seen < 4:
            head = tok.head
            if tok.dep_ == "acl" and not self.is_predicate(head):
                # relative clause on a non-entity noun: climb to the noun's predicate
                head = head.head
            cs = self.child_slots(head)
            quoted = (
                tok.dep_ == "ccomp"
                or any(c.dep_ in ("case", "mark") and c.text in QUOTATIVE for c in tok.children)
                or self.particle_after(max(t.i for t in tok.subtree) + 1) in QUOTATIVE
            )
            for key in ("topic",) if quoted else ("subj", "topic"):
                if cs.get(key):
                    return [Ref(r.iri, r.cls, r.text, "topic") for r in cs[key]]
            # topic attached to a coordinated predicate further left
            tok = head
            seen += 1
        for c in pred.children:
            # AがXを開始し、Yを抑制した: the subject of a coordinated predicate further left
            if c.dep_ in ("advcl", "conj") and c.i < pred.i:
                cs = self.child_slots(c)
                for key in ("topic", "subj"):
                    if cs.get(key):
                        return [Ref(r.iri, r.cls, r.text, "topic") for r in cs[key]]
        orphan = self._orphan_subject(pred)
        if orphan:
            return orphan
        if self.topic and all(r.iri for r in self.topic):
            return [Ref(r.iri, r.cls, r.text, "topic") for r in self.topic]
        return []

    def _stray_argument(self, pred: Token, slot: str) -> list[Ref]:
        """A phrase marked for `slot` (Xに, Xを) that the parser hung on another word instead of
        the predicate after it: 「ミライ半導体」(大阪市)に、…5社が出資した;
        …30社を、禁輸措置にあたる輸出管理リストに加える."""
        for t in reversed(self.doc[: pred.i]):
            if t.pos_ in ("PUNCT", "SYM", "ADP", "AUX", "SCONJ"):
                continue
            m = self.by_token.get(t.i)
            if m is not None and t.i != self.root_of(m):
                continue
            end = m.end if m is not None else t.i + 1
            if self.slot_of(end) != slot:
                continue
            if t.head.i == pred.i or self.is_predicate(t.head) and t.head.i > pred.i:
                return []  # attached where it belongs
            between = self.doc[end : pred.i]
            for v in between:  # a relative clause inside a later argument does not count
                if v.pos_ in ("VERB", "ADJ") and v.i not in self.by_token:
                    if not (v.dep_ == "acl" and end <= v.head.i < pred.i):
                        return []
            return self.resolve(t)
        return []

    def _orphan_subject(self, pred: Token) -> list[Ref]:
        """Xが attached by the parser to a noun rather than a predicate (米国が月曜日、…):
        the nearest such subject before `pred` is its subject."""
        best: Mention | None = None
        for m in self.mentions:
            if m.end > pred.i or self.slot_of(m.end) not in ("subj", "topic"):
                continue
            root = max(
                (self.doc[i] for i in range(m.start, m.end)),
                key=lambda t: t.head.i < m.start or t.head.i >= m.end,
            )
            if not self.is_predicate(root.head) and root.head.i < pred.i:
                best = m
        return (
            [Ref(r.iri, r.cls, r.text, "topic") for r in self.refs_of_mention(best)] if best else []
        )

    def noun_slots(self, tok: Token) -> dict[str, list[Ref]]:
        """Slots of a noun cue: its own dependents, what it describes or is said of,
        and the slots of the predicate governing it."""
        return dict(self._guarded("noun", tok, self._noun_slots, {}))

    def _noun_slots(self, tok: Token) -> dict[str, list[Ref]]:
        slots = self.child_slots(tok)
        head = tok.head
        g = self.g
        own_slot = self.slot_of(tok.i + 1)
        # the noun describes its head: アリババ傘下の[金融会社アント・グループ]
        if (
            head.i != tok.i
            and own_slot in (None, "gen")
            and tok.dep_ in ("nmod", "compound", "amod", "acl", "appos")
            and head.lemma_ not in g.transfer
        ):
            refs = self.rel_of(head)
            if refs:
                slots["desc"] = refs
        if any(c.dep_ == "cop" for c in tok.children) and tok.dep_ == "acl":
            # TSMCの重要顧客であるAMDとエヌビディア: an apposition with である describes the
            # whole list it stands before
            m = self.by_token.get(head.i)
            refs = self.refs_of_mention(m) if m is not None else self.rel_of(head)
            if refs:
                slots["desc"] = refs
        # the noun is a predicate: Xは…の子会社だ / Xは…サプライヤーと見られる
        for key in ("subj", "topic"):
            if slots.get(key) and (
                any(c.dep_ in ("cop", "aux") for c in tok.children) or tok.dep_ == "ROOT"
            ):
                slots["pred"] = slots[key]
        if (
            "pred" not in slots
            and head.i != tok.i
            and (head.lemma_ in g.copulas and own_slot in ("dat", "with") or own_slot == "as")
        ):
            refs = self.copula_subject(head)
            if refs:
                slots["pred"] = refs
        if (
            "pred" not in slots
            and tok.dep_ == "ROOT"
            or (
                "pred" not in slots
                and any(c.dep_ == "cop" for c in tok.children)
                and tok.dep_ != "acl"
            )
        ):
            if self.topic:
                slots["pred"] = [Ref(r.iri, r.cls, r.text, "topic") for r in self.topic]
        # その親会社 / 同社の: determiner pointing back
        for c in tok.children:
            if c.dep_ == "det" and c.text in ("その", "同"):
                ref = self._last_in_sentence(tok, "Company") or self.ctx.last("Company")
                if ref:
                    slots["det"] = [ref]
        # list right before a noun: A、BなどのN (as subject of the noun)
        for c in tok.children:
            if c.i < tok.i and self.slot_of(self.mention_end(c)) in g.identity:
                refs = self.resolve(c)
                if refs:
                    slots["list"] = refs
        # relative clause on the cue noun: TSMCが過半を出資する[子会社]
        for c in tok.children:
            if c.dep_ == "acl" and self.is_predicate(c):
                for k, v in self.child_slots(c).items():
                    if k in ("subj", "topic", "obj", "dat", "agent"):
                        slots.setdefault(f"mod.{k}", v)
        # the noun is the topic of a copula: Xの顧客はYとみられる / Xの大株主はYだ
        if own_slot in ("topic", "subj") and head.i != tok.i:
            refs = (
                self.resolve(head)
                if not self.is_predicate(head) or any(c.dep_ == "cop" for c in head.children)
                else []
            )
            if not refs and head.lemma_ in g.copulas:
                for c in head.children:
                    if c.i != tok.i and self.slot_of(self.mention_end(c)) in ("with", "dat"):
                        refs = self.resolve(c)
                        if refs:
                            break
            if refs:
                slots["compl"] = refs
        if self.topic:
            slots["stopic"] = [Ref(r.iri, r.cls, r.text, "topic") for r in self.topic]
        # "one of": Xは…サプライヤーの一社とされる
        if head.i != tok.i and head.lemma_ in g.member_nouns and own_slot == "gen":
            hs = self.noun_slots(head)
            if hs.get("pred"):
                slots.setdefault("pred", hs["pred"])
        # a cue inside a compound (協力覚書を結ぶ) or on an attribute (関税の税率を引き上げる):
        # the predicate above governs
        gov_tok = tok
        steps = 0
        while (
            gov_tok.dep_ in ("compound", "nmod")
            and not self.is_predicate(gov_tok.head)
            and gov_tok.head.i != gov_tok.i
            and steps < 2
            and (
                self.slot_of(gov_tok.i + 1) is None
                or (
                    self.slot_of(gov_tok.i + 1) == "gen"
                    and gov_tok.head.lemma_ in g.attribute_nouns
                )
            )
        ):
            gov_tok = gov_tok.head
            steps += 1
        if gov_tok.i != tok.i:
            head = gov_tok.head
        # the governing predicate
        if (
            head.i != tok.i
            and self.is_predicate(head)
            and (
                gov_tok.dep_ in ("obj", "obl", "nsubj", "iobj", "nmod", "ROOT", "compound")
                or gov_tok.dep_ == "advcl"
                and own_slot in ("as", "with")  # Aを引受先とする
            )
        ):
            gs = self.pred_args(head)
            gs.pop("stopic", None)
            if head.lemma_ in g.receive:
                gs = {
                    (
                        "obj" if k in ("subj", "topic") else "subj" if k in ("from", "agent") else k
                    ): v
                    for k, v in gs.items()
                }
            for k, v in gs.items():
                slots[f"gov.{k}"] = v
        # X は [cue] の対象となった
        if head.i != tok.i and head.lemma_ in g.transfer:
            xs = self.noun_slots(head) if head.lemma_ != tok.lemma_ else {}
            for k, v in xs.items():
                if k in ("pred", "desc", "gov.subj", "gov.topic", "gov.obj", "rel"):
                    slots[f"xfer.{k}"] = v
        return slots


# ----------------------------------------------------------------- extraction
