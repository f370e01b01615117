"""Step 4: the modality of a claim (asserted, reported, hedged, planned, denied), read from
the predicates above its cue; None for conditionals and questions.

The words are data (the `modality:` section of ontology/relation-cues.yaml); this module
walks the dependency parse from the cue up to the root of the sentence and collects what
the predicates on the way say:

* denied: a negation on the cue's own predicate (…していない, …ではない) or a denying
  verb above it (…との報道を否定した, …を断念した);
* planned: a plan above the cue (…する計画だ, …を検討している, …を目指す, …したい), or an
  announcement (…すると発表した, …の提携を発表した: GUIDELINES "発表 → planned") unless
  what it announces has happened (…を加えたと発表した);
* hedged: a hedge above the cue (…する見通し, …の可能性がある, …した模様だ), or a
  verb of thinking in the passive over a quoted clause (…と見られる/みられる, …とされる);
* reported: a verb of saying above the cue (…と述べた, …と報じた, …と明らかにした,
  …という, …としている), or a source named in the sentence (…によると, 関係者の話で).

The first of denied, planned, hedged, reported found wins. A clause that ends in a comma
(Aと提携し、Bを建設する計画だ) is a statement of its own: the plans, hedges and denials
after it do not reach it; a quotation around it (Aし、Bする計画があることが報じられた) or a
source named before it (ロイターによると、Aし、…) still attributes it. A fact that a noun
phrase presupposes (アリババ傘下の…) is asserted; one that a verb of change works on
(…との協力関係を拡大する) is asserted, or reported when a source is named. A verb of action
in the non-past (…も追加出資する) is a plan when nothing else is said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from kg.relations.sentence import Sentence

# what decides a claim's modality, first found first: "future" is a plan only the tense of a
# verb tells (…も追加出資する), weaker than a source the sentence names
ORDER = ("denied", "planned", "hedged", "reported", "future")
QUOTE_PARTICLES = ("と", "とも", "との", "という")
FUNCTION_DEPS = ("aux", "fixed", "mark", "cop", "case")
TAIL_DEPS = (*FUNCTION_DEPS, "compound")  # …する[こと]にした
TAILS = (("hedged", "hedge_tail"), ("planned", "plan_tail"), ("reported", "report_tail"))


def modality_of(tok: Token, sent: Sentence) -> tuple[str | None, str | None]:
    """Modality of a claim whose cue is `tok`, and who reports it; None when hypothetical."""
    doc = sent.doc
    if _np_internal(tok, sent):
        return "asserted", None  # presupposed by its noun phrase (アリババ傘下の…)
    changed = _changed(tok, sent)
    if not changed and (
        doc[-1].text in ("か", "?", "？") or (len(doc) > 1 and doc[-2].text == "か")
    ):
        return None, None
    walked = _walk(tok.head if changed else tok, sent)
    if walked is None:
        return (None, None) if not changed else ("asserted", None)
    found, reporter, reached = walked
    # a source the sentence names (ロイターによると, 関係者の話で) covers all that follows it,
    # and what comes before it in the clauses the walk reached
    at, source = _source(doc, sent.g.modality["report_markers"], tok)
    if source is not None and (at < tok.idx or reached):
        found.add("reported")
        reporter = reporter or source
    if changed:
        # what a verb of change works on (…との協力関係を拡大する) already holds: the change
        # may be planned, hedged or denied, the fact only attributed to a source
        found &= {"reported"}
    for name in ORDER:
        if name in found:
            name = "planned" if name == "future" else name
            return name, reporter if name == "reported" or reporter else None
    return "asserted", None


def _walk(tok: Token, sent: Sentence) -> tuple[set[str], str | None, bool] | None:
    """What the predicates from `tok` up to the root say of it: (modalities, reporter,
    whether a source the main clause names covers it); None when a conditional covers it.

    Goes up through noun phrases and complement clauses (…と見られる, …との報道を否定),
    and stops at relative clauses on ordinary nouns, at coordinated main clauses and at
    adversative clauses (…したが).
    """
    mod = sent.g.modality
    doc = sent.doc
    found: set[str] = set()
    reporter: str | None = None
    coordinated = False  # past a coordinated clause: a negation above no longer covers the cue
    in_scope = True  # what the predicates above say covers the cue
    attributed = True  # … or at least who they say it comes from
    tense: bool | None = None  # does the first verb with a tense tell of what will happen?
    past: bool | None = None  # … or of what has happened (…を加えたと発表した)?
    cur, first = tok, True
    for _ in range(12):
        kids = list(cur.children)
        if _predicate_words(cur) & mod["conditional"]:
            return None
        if tense is None and cur.pos_ == "VERB":
            tense = _future(cur, tok, sent)  # Aし、Bする: A takes the tense of B
            if tense:
                found.add("future")
        if past is None and cur.pos_ == "VERB" and cur.lemma_ not in mod["announce"]:
            past = _past(cur)  # of the clause announced, not of the announcing
        tail = _tail(cur)
        said = _says_in_tail(tail, mod)
        near = (
            first
            or cur.pos_ in ("VERB", "ADJ", "AUX")
            or any(c.dep_ in ("aux", "cop") for c in kids)
        )
        if near and not coordinated and (cur.lemma_ in mod["negation"] or _negated(tail, mod)):
            found.add("denied")
        if not first and attributed:
            said |= _says(cur, sent, past=bool(past))
        if not in_scope:
            said &= {"reported"} if attributed else set()
        if "reported" in said:
            for c in kids:
                if sent.slot_of(sent.mention_end(c)) in ("subj", "topic"):
                    reporter = reporter or _phrase(c)
        found |= said
        head = cur.head
        if head.i == cur.i:
            break
        dep = cur.dep_
        quoted = _ends_quote(cur, doc) or head.lemma_ in mod["complement_nouns"]
        attributed = attributed or quoted  # [Aし、Bする計画がある]ことが報じられた
        if not quoted and dep in ("advcl", "conj", "parataxis", "dislocated"):
            if dep != "advcl" or any(
                c.dep_ == "mark" and c.text in mod["adversative"] for c in kids
            ):
                return found, reporter, False
            coordinated = True
        if _continues(cur):
            # Aし、Bする計画だ: A is a statement of its own, which only a quotation around
            # both attributes to a source
            coordinated, in_scope, attributed = True, False, False
        if dep == "acl" and not quoted and head.lemma_ not in mod["modality_nouns"]:
            if (
                head.head.i != head.i
                and head.head.lemma_ in sent.g.copulas
                and sent.slot_of(head.i + 1) in ("dat", "with")
                and sent.by_token.get(head.i) is None
            ):
                # …を凌ぐ[プロバイダー]になりたい: the noun is what the subject becomes, so the
                # clause shares the copula's modality
                cur, first = head.head, False
                continue
            return found, reporter, False  # a relative clause: the noun presupposes it
        cur, first = head, False
    return found, reporter, attributed


def _future(verb: Token, cue: Token, sent: Sentence) -> bool | None:
    """Does `verb`, the first verb above the cue, tell of what will happen: a verb of action
    in the non-past (not one of state, …と競合する, nor a progressive, …している) that ends
    the main clause, a quotation or a cleft (…も追加出資する, …に出資するのは), or a
    relative clause with a time to come (来年発売する新製品)? None for a continuative form
    (提携し、…), whose tense is that of the verb it leads to."""
    mod = sent.g.modality
    ending = _ending(verb)
    if any(t.lemma_ in mod["not_future"] for t in ending):
        return False
    words = sorted([verb, *ending], key=lambda t: t.i)
    last = next(t for t in reversed(words) if t.pos_ in ("VERB", "AUX"))
    forms = last.morph.get("Inflection")
    if words[-1].text in ("て", "で") or any("連用形" in f for f in forms):
        return None
    if verb.lemma_ in mod["present_verbs"] or cue.lemma_ in mod["present_verbs"]:
        return False
    if not any(("終止形" in f or "連体形" in f) for f in forms):
        return False
    if (
        verb.dep_ == "ROOT"
        or _ends_quote(verb, verb.doc)
        or any(c.dep_ == "mark" and c.text == "の" for c in verb.children)  # …するのは
    ):
        return True
    time = "".join(
        t.text
        for c in verb.children
        if c.i < verb.i and c.dep_ in ("obl", "advmod", "nmod")
        for t in c.subtree
    )
    return verb.dep_ == "acl" and any(word in time for word in mod["future_times"])


def _ending(verb: Token) -> list[Token]:
    """The function words that end the predicate of `verb` (…し[た], …して[いる][と])."""
    ending = [
        c for c in verb.children if c.i > verb.i and c.dep_ in ("aux", "mark", "fixed", "cop")
    ]
    return ending + [g for c in ending for g in c.children if g.dep_ in ("fixed", "aux")]


def _past(verb: Token) -> bool | None:
    """Does the predicate of `verb` end in the past (…を加えた)? None for a continuative form
    (…を取得し、), whose tense is that of the verb it leads to."""
    ending = sorted([verb, *_ending(verb)], key=lambda t: t.i)
    if ending[-1].text in ("て", "で") or any(
        "連用形" in f for f in ending[-1].morph.get("Inflection")
    ):
        return None
    return any(f.startswith("助動詞-タ") for t in ending[1:] for f in t.morph.get("Inflection"))


def _continues(tok: Token) -> bool:
    """Does the predicate of `tok` end in a continuative form and a comma (提携し、,
    供給しており、, 顧客で、, 出資せず、), so that what follows is a clause of its own?
    (A relative clause set off by a comma, …を凌ぐ、トップ企業, does not.)"""
    doc = tok.doc
    for c in tok.children:
        if c.dep_ == "punct" and c.i > tok.i and c.text in ("、", ",", "，"):
            last = doc[c.i - 1]
            if last.text in ("て", "で") or any(
                "連用形" in f for f in last.morph.get("Inflection")
            ):
                return True
    return False


def _says(cur: Token, sent: Sentence, *, past: bool = False) -> set[str]:
    """The modalities a predicate above the cue gives it, by what the predicate is
    (…を否定した, …する計画だ, …すると発表した, …とみられる, …と述べた). An announcement
    of what has happened (…を加えたと発表した) is a statement, not a plan."""
    mod = sent.g.modality
    names = _names(cur, sent.doc)
    out = set()
    if names & mod["denial"]:
        out.add("denied")
    if names & mod["plan"] or (names & mod["announce"] and not past):
        out.add("planned")
    quote = _quote_before(cur)
    if names & mod["hedge"] and (
        not names & mod["hedge_needs_passive"] or (quote is not None and sent.passive(cur))
    ):
        out.add("hedged")
    if cur.dep_ != "acl" and (  # …という報道: the noun, not the verb, says it
        names & mod["report"]
        or (
            names & mod["quote_report"]
            and not sent.passive(cur)
            and quote is not None
            and sent.is_predicate(quote)
        )
    ):
        out.add("reported")
    return out


def _says_in_tail(tail: str, mod: dict[str, frozenset[str]]) -> set[str]:
    """The modalities the function words ending a predicate give it, the cue's own too
    (…したかもしれない, …したい, …することにした, …するそうだ)."""
    return {name for name, key in TAILS if any(phrase in tail for phrase in mod[key])}


def _negated(tail: str, mod: dict[str, frozenset[str]]) -> bool:
    """Do the function words ending a predicate negate it (…していない, …ではない), beyond
    the phrases that only look negative (…かもしれない)?"""
    for phrase in sorted(set().union(*(mod[key] for _, key in TAILS)), key=len, reverse=True):
        tail = tail.replace(phrase, "")
    return any(neg in tail for neg in mod["negation"])


def _tail(tok: Token) -> str:
    """The function words that end a predicate, as written: 納入[していない],
    サプライヤー[ではない], 提携[することにした]."""
    doc = tok.doc
    parts = {c.i for c in tok.children if c.i > tok.i and c.dep_ in TAIL_DEPS}
    parts |= {
        g.i for i in list(parts) for g in doc[i].children if g.dep_ in ("fixed", "aux", "mark")
    }
    j = tok.i + 1
    while j in parts:
        j += 1
    return doc[tok.i + 1 : j].text


def _predicate_words(tok: Token) -> set[str]:
    """Lemmas and forms of a predicate and its function words, where a conditional shows
    (…すれ[ば], …した[場合])."""
    out = {tok.lemma_, tok.text}
    for c in tok.children:
        if c.dep_ in FUNCTION_DEPS:
            out |= {c.lemma_, c.text}
            out |= {f.lemma_ for f in c.children if f.dep_ in ("fixed", "aux")}
            out |= {f.text for f in c.children if f.dep_ in ("fixed", "aux")}
    return out


def _names(tok: Token, doc: Doc) -> set[str]:
    """What a predicate is called in the cue lists: its lemma and form, and for a light
    verb する the phrase it completes (明らか[に]する -> 明らかにする)."""
    out = {tok.lemma_, tok.text}
    if tok.lemma_ == "する":
        for c in tok.children:
            if c.i + 1 < tok.i and doc[c.i + 1].text == "に" and c.dep_ in ("advcl", "obl"):
                out.add(f"{c.lemma_}にする")
    return out


def _source(doc: Doc, markers: frozenset[str], cue: Token) -> tuple[int, str | None]:
    """Where and which source a sentence names for what it says (ロイターによると, 関係者の
    話で): (character offset, phrase), or (-1, None). A source whose own phrase holds the
    cue (Xの日本法人であるYによると) says nothing of it."""
    text = doc.text
    for marker in sorted(markers, key=len, reverse=True):
        at = text.find(marker)
        span = doc.char_span(at, at + len(marker), alignment_mode="expand") if at >= 0 else None
        if span is None:
            continue
        start = span[0]
        src = doc[start.i - 1] if start.i and start.pos_ in ("ADP", "SCONJ") else span.root
        if cue in src.subtree:
            continue
        return at, _phrase(src) or marker
    return -1, None


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
        and _word(head) not in sent.g.member_nouns  # …サプライヤーの[一社]とされる
    )


def _changed(tok: Token, sent: Sentence) -> bool:
    """Is the cue what a verb of change works on (対中関税を引き下げる, …との協力関係を拡大
    する, 輸出規制の強化)?"""
    head = tok.head
    return (
        head.i != tok.i
        and tok.dep_ in ("obj", "nmod")
        and head.lemma_ in sent.g.modality["presupposing"]
    )


def _word(tok: Token) -> str:
    """A noun with the number right before it (一 社 -> 一社)."""
    num = tok.doc[tok.i - 1] if tok.i else None
    if num is not None and num.dep_ == "nummod" and num.head.i == tok.i:
        return num.text + tok.text
    return tok.text


def _ends_quote(tok: Token, doc: Doc) -> bool:
    """Is the phrase of `tok` quoted by と / との / という (…したと発表した)?"""
    if any(c.dep_ in ("case", "mark") and c.text in QUOTE_PARTICLES for c in tok.children):
        return True
    end = max(t.i for t in tok.subtree) + 1
    nxt = "".join(t.text for t in doc[end : end + 2])
    return nxt.startswith(QUOTE_PARTICLES)


def _quote_before(tok: Token) -> Token | None:
    """The phrase quoted right before a verb (Xは[Yと]見られる, […したと]している), or None.
    A partner named earlier (Yと共同で…される) is no quotation, nor is an attempt (…しようと
    している)."""
    doc = tok.doc
    j = tok.i - 1
    if j > 0 and doc[j].text in ("も", "は"):  # …とも見られる
        j -= 1
    if j <= 0 or doc[j].text != "と":
        return None
    if any("意志推量形" in f for f in doc[j - 1].morph.get("Inflection")):
        return None
    return next((c for c in tok.children if c.i < j and j in {t.i for t in c.subtree}), None)


def _phrase(tok: Token | None) -> str | None:
    if tok is None:
        return None
    toks = [t for t in tok.subtree if t.i <= tok.i and t.pos_ in ("NOUN", "PROPN", "NUM")]
    return "".join(t.text for t in toks[-4:]) or tok.text
