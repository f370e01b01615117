"""Error taxonomy of extraction on a split of the real-news gold set (dev only).

    python scripts/taxonomy.py [--list CAUSE] [--real DIR]

Every missed required gold fact and every false system fact of the dev split is put in one
cause, the first that applies (see CAUSES and FALSE_CAUSES). The causes are decided by
program, from the gold evidence sentence, the mentions the linker found there and the facts
the extractor made, so that the table can be counted again after every change. `--list CAUSE`
prints the facts of one cause with their sentences. The check split is refused: its misses are
never read.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_real import score, shared_gold  # noqa: E402

CAUSES = {
    "entity not found": "a gold entity of the fact is not linked anywhere in the article",
    "coreference": "one entity is named in the sentence only by 同社, 両社, これら, 同子会社, …",
    "implicit argument": "one entity is not in the evidence sentence: a dropped subject, or a "
    "target the article names elsewhere",
    "role confusion": "the two entities are related in that sentence, with another relation "
    "or the other direction",
    "enumeration": "one entity stands in a list (A、BやCなど) in the sentence",
    "reporting wrapper": "the fact sits inside と発表した, と明らかにした, によると, …",
    "passive or 受ける": "the predicate is passive or a 受ける form",
    "missing cue": "no cue word of the relation in the sentence",
    "noun phrase": "stated by a noun phrase (XのY, X製Y, apposition), no predicate between",
    "clause boundary": "the entities are in different clauses of the sentence",
}
FALSE_CAUSES = {
    "junk entity": "subject or object is not a name (counter, generic noun, person's title)",
    "unannotated entity": "subject or object is a real name the gold does not list",
    "reversed": "gold has the fact in the other direction",
    "wrong relation": "gold relates the two entities with another relation",
    "enumeration spill": "a list member received a fact meant for another member",
    "other": "both entities are gold entities, the gold has no such relation between them",
}
WRAPPERS = re.compile(
    r"と(?:発表|明らかに|述べ|語っ|話し|報じ|伝え|指摘|説明|示し|して)|としている|によると|によれば"
    r"|関係者|という|とした|ことが分かった|ことがわかった"
)
ANAPHORA = re.compile(r"同社|両社|同子会社|同グループ|これら|この(?:会社|企業|製品|技術)|自社|当社")
PASSIVE = re.compile(r"(?:され|られ|受け|受ける|受けた|受けて)")


@dataclass
class Item:
    cause: str
    fact: str
    source: str
    sentence: str
    note: str = ""


@dataclass
class Taxonomy:
    missed: list[Item] = field(default_factory=list)
    false: list[Item] = field(default_factory=list)


def _fold(s: str) -> str:
    from kg.evaluate import fold

    return fold(s)


def diagnose(work: Path, real: Path, entity_files: list[Path]) -> tuple[Taxonomy, object]:
    """Score the dev split, then put each miss and false fact in a cause."""
    from kg.corpus import load_corpus
    from kg.entities import link_article
    from kg.evaluate import load_gold
    from kg.parse import ParseCache, parse_texts
    from kg.prefilter import load_prefilter
    from kg.relations import extract_article
    from kg.relations.context import Context
    from kg.relations.grammar import load_grammar
    from kg.relations.sentence import Sentence

    ev, labels = score("dev", real, work, entity_files)
    gold = load_gold(entity_files, [work / "relations.jsonl"])
    names_of = {gid: {_fold(n) for n in e.names} for gid, e in gold.entities.items()}
    grammar = load_grammar()
    cue_lemmas: dict[str, set[str]] = defaultdict(set)
    for entry in grammar.cues:
        cue_lemmas[entry.relation] |= set(entry.lemmas)

    with contextlib.chdir(work):
        corpus = load_corpus(["corpus"])
        arts = {a.path.split("/")[-1]: a for a in corpus.articles}
        parsed = parse_texts(
            [a.text for a in arts.values()],
            cache=ParseCache(work / "store" / "parse-cache"),
            select=load_prefilter().select,
        )
    per_article = {}
    for (name, art), p in zip(arts.items(), parsed, strict=True):
        ents = link_article(p.docs)
        facts = extract_article(p, ents)
        per_article[name] = (art, p, ents, facts)

    def forms(iri: str, ents) -> set[str]:
        e = ents.entities.get(iri)
        out = set(ents.surface.get(iri, set()))
        if e is not None:
            out |= {e.label_ja or "", e.label_en or "", *e.aliases}
        return {_fold(x) for x in out if x}

    def gold_ids(iri: str, ents) -> set[str]:
        fs = forms(iri, ents)
        return {gid for gid, ns in names_of.items() if ns & fs}

    tax = Taxonomy()
    for g in ev.missed:
        srcs = [src for _, src in g.evidence if src in per_article]
        if not srcs:
            continue
        src = srcs[0]
        evidence = next(e for e, s in g.evidence if s == src)
        art, p, ents, facts = per_article[src]
        idx = _sentence_of(evidence, [s.text for s in p.sentences])
        sentence = p.sentences[idx].text if idx is not None else evidence
        linked = {gid: [iri for iri in ents.entities if gid in gold_ids(iri, ents)]
                  for gid in (g.s, g.o)}  # fmt: skip
        fact = f"{g.s} {g.p} {g.o}"
        if not linked[g.s] or not linked[g.o]:
            missing = [x for x in (g.s, g.o) if not linked[x]]
            tax.missed.append(Item("entity not found", fact, src, sentence, ", ".join(missing)))
            continue
        if idx is None:
            tax.missed.append(Item("clause boundary", fact, src, sentence, "evidence not found"))
            continue
        mentions = ents.mentions[idx]
        here = {gid: [m for m in mentions if m.iri in linked[gid]] for gid in (g.s, g.o)}
        if not here[g.s] or not here[g.o]:
            cause = "coreference" if ANAPHORA.search(sentence) else "implicit argument"
            tax.missed.append(Item(cause, fact, src, sentence))
            continue
        pair = {iri for gid in (g.s, g.o) for iri in linked[gid]}
        related = [f for f in facts if f.sentence_index == idx and {f.s, f.o} <= pair
                   and f.s != f.o]  # fmt: skip
        if related:
            note = "; ".join(f"{f.s_text} {f.p} {f.o_text}" for f in related)
            tax.missed.append(Item("role confusion", fact, src, sentence, note))
            continue
        sent = Sentence(p.docs[idx], mentions, grammar, Context())
        in_list = any(len(sent.members(m)) > 1 for gid in (g.s, g.o) for m in here[gid])
        if in_list:
            tax.missed.append(Item("enumeration", fact, src, sentence))
            continue
        if WRAPPERS.search(sentence):
            tax.missed.append(Item("reporting wrapper", fact, src, sentence))
            continue
        lemmas = {t.lemma_ for t in p.docs[idx]} | {t.text for t in p.docs[idx]}
        a, b = sorted([here[g.s][0], here[g.o][0]], key=lambda m: m.start)
        between = p.docs[idx][a.end : b.start]
        if PASSIVE.search(between.text + p.docs[idx][b.end : b.end + 6].text):
            tax.missed.append(Item("passive or 受ける", fact, src, sentence))
            continue
        if not any(t.pos_ in ("VERB", "AUX") for t in between) and len(between) <= 8:
            tax.missed.append(Item("noun phrase", fact, src, sentence))
            continue
        if not (lemmas & cue_lemmas[g.p]):
            tax.missed.append(Item("missing cue", fact, src, sentence))
            continue
        tax.missed.append(Item("clause boundary", fact, src, sentence))

    gold_pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (s, rel, o), _gf in gold.facts.items():
        gold_pairs[(s, o)].add(rel)
    for f in ev.false:
        srcs = [name for name, (_, _, _, fs) in per_article.items()
                if any(x.s == f.s and x.p == f.p and x.o == f.o for x in fs)]  # fmt: skip
        src = srcs[0] if srcs else "?"
        ents = per_article[src][2] if srcs else None
        s_ids = gold_ids(f.s, ents) if ents else set()
        o_ids = gold_ids(f.o, ents) if ents else set()
        sentence = f.sentences[0] if f.sentences else ""
        fact = f"{labels.get(f.s, f.s)} {f.p} {labels.get(f.o, f.o)}"
        if not s_ids or not o_ids:
            bad = f.s if not s_ids else f.o
            minted = "/entity/x/" in bad
            tax.false.append(
                Item("junk entity" if minted else "unannotated entity", fact, src, sentence)
            )
            continue
        if any(f.p in gold_pairs[(o, s)] for s in s_ids for o in o_ids):
            tax.false.append(Item("reversed", fact, src, sentence))
        elif any(gold_pairs[(s, o)] | gold_pairs[(o, s)] for s in s_ids for o in o_ids):
            tax.false.append(Item("wrong relation", fact, src, sentence))
        elif re.search(r"[、や]", sentence) and f.p in ("investsIn", "partnersWith", "suppliesTo"):
            tax.false.append(Item("enumeration spill", fact, src, sentence))
        else:
            tax.false.append(Item("other", fact, src, sentence))
    return tax, ev


def _sentence_of(evidence: str, sentences: list[str]) -> int | None:
    """Index of the sentence holding the evidence (or most of it)."""
    for i, s in enumerate(sentences):
        if evidence in s:
            return i
    best, best_len = None, 0
    for i, s in enumerate(sentences):
        n = _common(evidence, s)
        if n > best_len:
            best, best_len = i, n
    return best if best_len >= min(12, len(evidence) // 2) else None


def _common(a: str, b: str) -> int:
    """Length of the longest common substring (small inputs)."""
    best = 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", metavar="CAUSE", help="print the facts of one cause")
    ap.add_argument("--real", type=Path)
    ap.add_argument("--work", type=Path, default=Path("/tmp/kg-taxonomy-dev"))
    args = ap.parse_args(argv)
    gold = shared_gold()
    real = args.real or (gold / "real" if gold else None)
    if real is None:
        ap.error("no real-news gold set here: pass --real DIR")
    entity_files = [real / "entities.jsonl"]
    if gold and (gold / "seed-entities.jsonl").is_file():
        entity_files.append(gold / "seed-entities.jsonl")
    args.work.mkdir(parents=True, exist_ok=True)
    tax, ev = diagnose(args.work.resolve(), real, entity_files)
    o = ev.overall
    print(f"dev: P {o.precision:.2f} R {o.recall:.2f} ({o.gold_matched}/{o.gold} found, "
          f"{len(ev.false)} false)")  # fmt: skip
    tables = (("missed", tax.missed, CAUSES), ("false", tax.false, FALSE_CAUSES))
    for title, items, causes in tables:
        counts = Counter(i.cause for i in items)
        print(f"\n{title} ({len(items)})")
        for cause in sorted(causes, key=lambda c: -counts[c]):
            print(f"  {counts[cause]:4d}  {cause}")
    if args.list:
        for i in tax.missed + tax.false:
            if i.cause == args.list:
                print(f"\n{i.fact}  ({i.source}) {i.note}\n  「{i.sentence}」")
    return 0


if __name__ == "__main__":
    sys.exit(main())
