"""Step 4: the modality of a claim (asserted, reported, hedged, planned, denied), read from
the predicates above its cue; None for conditionals and questions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from kg.relations.sentence import Sentence


def modality_of(tok: Token, sent: Sentence) -> tuple[str | None, str | None]:
    """Modality of a claim whose cue is `tok`; None when it is hypothetical.

    Walks from the cue up to the root through noun phrases and complement clauses
    (…と見られる, …との報道を否定), stopping at relative clauses on ordinary nouns and at
    coordination.
    """
    mod = sent.g.modality
    if _np_internal(tok, sent):
        return "asserted", None
    found: set[str] = set()
    coordinated = False
    reporter: str | None = None
    doc = sent.doc
    cur = tok
    first = True
    steps = 0
    while steps < 12:
        steps += 1
        kids = list(cur.children)
        lemmas = {cur.lemma_} | {
            c.lemma_ for c in kids if c.dep_ in ("aux", "fixed", "mark", "cop", "case")
        }
        texts = {c.text for c in kids if c.dep_ in ("aux", "fixed", "mark", "cop", "case")}
        near = (
            first
            or cur.pos_ in ("VERB", "ADJ", "AUX")
            or any(c.dep_ in ("aux", "cop") for c in kids)
        )
        if (lemmas | texts) & mod["conditional"]:
            return None, None
        if near and not coordinated and (lemmas & mod["negation"] or texts & mod["negation"]):
            found.add("denied")
        if cur.lemma_ in mod["denial"] or cur.text in mod["denial"]:
            found.add("denied")
        if cur.lemma_ in mod["hedge"] or lemmas & (mod["hedge"] - mod["hedge_needs_passive"]):
            if cur.lemma_ not in mod["hedge_needs_passive"] or sent.passive(cur):
                if not first:
                    found.add("hedged")
        if (cur.lemma_ in mod["plan"] or lemmas & {"たい"}) and not (
            cur.lemma_ in mod["plan_weak"] and first
        ):
            if not first or lemmas & {"たい"}:
                found.add("planned")
        if not first and cur.lemma_ in mod["report"] and cur.lemma_ not in mod["assert_verbs"]:
            found.add("reported")
            for c in kids:
                if sent.slot_of(sent.mention_end(c)) in ("subj", "topic"):
                    reporter = reporter or _phrase(c)
        head = cur.head
        if head.i == cur.i:
            break
        dep = cur.dep_
        if dep in ("advcl", "conj", "parataxis", "dislocated"):
            if sent.particle_after(cur.i + 1) not in ("と", "とも") and not _ends_quote(cur, doc):
                if dep != "advcl" or any(c.dep_ == "mark" and c.text in ("が", "けれど", "けど")
                                         for c in cur.children):  # fmt: skip
                    break
                # AしてBする計画 / Aし、Bしたい: a plan or hedge on the last predicate covers
                # the coordinated one, a negation does not
                coordinated = True
        if dep == "acl":
            if head.lemma_ in mod["modality_nouns"] or _ends_quote(cur, doc):
                pass
            elif (
                head.head.i != head.i
                and head.head.lemma_ in sent.g.copulas
                and sent.slot_of(head.i + 1) in ("dat", "with")
                and sent.by_token.get(head.i) is None
            ):
                # …を凌ぐ[プロバイダー]になりたい: the noun is what the subject becomes, so the
                # clause shares the copula's modality
                cur = head.head
                first = False
                continue
            else:
                break
        cur = head
        first = False
    # sentence-level attribution: によると / 関係者 / という
    for t in doc:
        follow = "".join(x.text for x in doc[t.i : t.i + 3])
        if follow.startswith(("によると", "によれば")):
            found.add("reported")
            src = t.head if t.head.i != t.i else (doc[t.i - 1] if t.i else None)
            if t.i and (src is None or src.i > t.i):
                src = doc[t.i - 1]
            reporter = reporter or (_phrase(src) if src is not None else None)
    if doc[-1].text in ("か", "?", "？") or (len(doc) > 1 and doc[-2].text == "か"):
        return None, None
    last_verbs = [t for t in doc if t.dep_ == "ROOT"]
    if last_verbs and any(c.text == "という" or c.lemma_ == "いう" for c in last_verbs[0].children):
        found.add("reported")
    for name in ("denied", "planned", "hedged", "reported"):
        if name in found:
            return name, reporter if name == "reported" or reporter else None
    return "asserted", None


def _np_internal(tok: Token, sent: Sentence) -> bool:
    """Is the cue a noun modifying another noun (アリババ傘下の…)? Such a fact is
    presupposed by the noun phrase, not asserted, planned or denied by the clause."""
    if sent.is_predicate(tok):
        return False
    head = tok.head
    return (
        head.i != tok.i
        and tok.dep_ in ("nmod", "compound", "amod", "appos", "acl")
        and head.pos_ in ("NOUN", "PROPN")
        and not sent.is_predicate(head)
        and sent.slot_of(tok.i + 1) in (None, "gen")
        and head.lemma_ not in sent.g.transfer
        and head.lemma_ not in sent.g.modality["modality_nouns"]
    )


def _ends_quote(tok: Token, doc: Doc) -> bool:
    end = max(t.i for t in tok.subtree) + 1
    nxt = "".join(t.text for t in doc[end : end + 2])
    return nxt.startswith(("と", "との", "という"))


def _phrase(tok: Token | None) -> str | None:
    if tok is None:
        return None
    toks = [t for t in tok.subtree if t.i <= tok.i and t.pos_ in ("NOUN", "PROPN", "NUM")]
    return "".join(t.text for t in toks[-4:]) or tok.text
