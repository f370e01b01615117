"""Train the relation scorer (ontology/relation-scorer.json) on the project's gold sets.

    python scripts/train_scorer.py            # train on every training set, write the model
    python scripts/train_scorer.py --cv       # article-grouped cross-validation: rules,
                                              # scorer and both, with the thresholds chosen
    python scripts/train_scorer.py --check    # retrain and compare with the shipped model

Training sets: the dev split of the real-news gold set (../shared/gold/real, by
tests/data/eval/real-split.json), the project's own sets tests/data/eval/{dev,news-a,news-b}
and the seed gold over corpus/. The check split of the real set and the own holdout set are
never trained on: they measure what the model does on text it has not seen.

A candidate is an ordered pair of entities of one sentence the scorer reads (see
kg.relations.scorer); it is a positive example of a relation when the gold has that fact
between the two entities with evidence in that sentence, a negative one when the gold has
no such fact in the article. A pair whose gold fact is optional, or stated in another sentence
of the article, is left out. Training is deterministic (liblinear, fixed order), so the same
data give the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
from eval_real import shared_gold, split_files  # noqa: E402

VERSION = "kg.relations.scorer.v1"
EVAL = REPO / "tests" / "data" / "eval"
C = 0.5  # inverse regularisation strength of every relation's logistic model
DIGITS = 3  # weights are rounded, and the smallest dropped, so that the file stays small
MIN_COUNT = 2  # a feature seen in fewer training candidates of a relation gets no weight


@dataclass
class GoldSet:
    name: str
    corpus: Path
    entities: list[Path]
    relations: list[Path]
    files: list[str] | None = None  # only these articles of the corpus


@dataclass
class Example:
    group: str  # set and article: cross-validation keeps an article's examples together
    relation: str
    features: list[str]
    label: int
    rule: bool  # the rules made this fact


@dataclass
class Data:
    examples: list[Example] = field(default_factory=list)
    gold_total: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def training_sets() -> list[GoldSet]:
    """Every gold set the scorer learns from (the real dev split only where ../shared is)."""
    sets = [
        GoldSet(
            n,
            EVAL / n / "corpus",
            [EVAL / n / "entities.jsonl"],
            [EVAL / n / "relations.jsonl"],
        )
        for n in ("dev", "news-a", "news-b")
    ]
    seed = EVAL.parent / "seed-gold"
    sets.append(
        GoldSet(
            "seed",
            REPO / "corpus",
            [seed / "seed-entities.jsonl"],
            [seed / "seed-relations.jsonl"],
        )
    )
    gold = shared_gold()
    if gold is not None:
        real = gold / "real"
        sets.append(
            GoldSet(
                "real-dev",
                real,
                [real / "entities.jsonl", gold / "seed-entities.jsonl"],
                [real / "relations.jsonl"],
                split_files("dev"),
            )
        )
    return sets


def _fold(s: str) -> str:
    from kg.evaluate import fold

    return fold(s)


def _in_sentence(evidence: str, sentence: str) -> bool:
    if evidence in sentence:
        return True
    # evidence spanning a cut, or copied with small changes: most of it in the sentence
    parts = [p for p in evidence.replace("…", "、").split("、") if len(p) >= 6]
    return bool(parts) and sum(p in sentence for p in parts) * 2 >= len(parts)


def examples(gs: GoldSet, cache: Path) -> Data:
    """The candidates of one gold set, labelled from its gold facts."""
    import shutil
    import tempfile

    from kg.corpus import load_corpus
    from kg.entities import link_article
    from kg.evaluate import load_gold
    from kg.parse import ParseCache, parse_texts
    from kg.prefilter import load_prefilter
    from kg.relations.extract import read_article
    from kg.relations.scorer import candidates
    from kg.vocab import SYMMETRIC

    gold = load_gold(gs.entities, gs.relations)
    names = {gid: {_fold(n) for n in e.names} for gid, e in gold.entities.items()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / gs.name
        root.mkdir()
        wanted = set(gs.files) if gs.files else None
        for f in sorted(gs.corpus.iterdir()):
            if f.is_file() and (wanted is None or f.name in wanted):
                shutil.copy(f, root / f.name)
        corpus = load_corpus([root])
    articles = corpus.articles
    parsed = parse_texts(
        [a.text for a in articles], cache=ParseCache(cache), select=load_prefilter().select
    )
    # gold facts by article: by their source file when the corpus holds it, else by evidence
    by_article: dict[str, list] = defaultdict(list)
    stems = {Path(a.path).name: a.key for a in articles}
    for g in gold.facts.values():
        for evidence, source in g.evidence:
            key = stems.get(source)
            if key is None:
                key = next((a.key for a in articles if evidence and evidence in a.text), None)
            if key is not None:
                by_article[key].append((g, evidence))
    data = Data()
    for article, p in zip(articles, parsed, strict=True):
        ents = link_article(p.docs)
        facts = by_article.get(article.key, [])
        for g, _ in facts:
            if not g.optional:
                data.gold_total[g.p] += 1

        def ids(iri: str, ents=ents) -> set[str]:
            e = ents.entities.get(iri)
            forms = set(ents.surface.get(iri, ()))
            if e is not None:
                forms |= {x for x in (e.label_ja, e.label_en, *e.aliases) if x}
            folded = {_fold(x) for x in forms}
            return {gid for gid, ns in names.items() if ns & folded}

        cache_ids: dict[str, set[str]] = {}
        for _, sent, rules in read_article(p, ents):
            text = sent.doc.text
            made = {(r, a.iri, b.iri) for r, a, b, *_ in rules}
            for a, b, feats in candidates(sent, rules):
                ia = cache_ids.setdefault(a.iri, ids(a.iri))
                ib = cache_ids.setdefault(b.iri, ids(b.iri))
                for rel, (s_cls, o_cls) in sent.g.classes.items():
                    if a.cls not in s_cls or b.cls not in o_cls:
                        continue
                    label, skip = 0, False
                    for g, evidence in facts:
                        if g.p != rel:
                            continue
                        forward = g.s in ia and g.o in ib
                        backward = rel in SYMMETRIC and g.s in ib and g.o in ia
                        if not (forward or backward):
                            continue
                        if g.optional or not _in_sentence(evidence, text):
                            skip = True
                        else:
                            label = 1
                    if label == 0 and skip:
                        continue
                    rule = (rel, a.iri, b.iri) in made or (
                        rel in SYMMETRIC and (rel, b.iri, a.iri) in made
                    )
                    data.examples.append(
                        Example(f"{gs.name}/{article.key}", rel, feats, label, rule)
                    )
    return data


def load_data(cache: Path) -> Data:
    data = Data()
    for gs in training_sets():
        d = examples(gs, cache)
        data.examples += d.examples
        for k, v in d.gold_total.items():
            data.gold_total[k] += v
    return data


def fit(examples: list[Example]) -> dict[str, float]:
    """One relation's logistic model: feature -> weight ("" is the bias)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    labels = [e.label for e in examples]
    if len(set(labels)) < 2:
        return {}
    seen: dict[str, int] = defaultdict(int)
    for e in examples:
        for f in set(e.features):
            seen[f] += 1
    vec = DictVectorizer()
    rows = [{f: 1 for f in e.features if seen[f] >= MIN_COUNT} for e in examples]
    x = vec.fit_transform(rows).tocsr()
    x.indices = x.indices.astype("int32")  # liblinear takes 32-bit indices only
    x.indptr = x.indptr.astype("int32")
    model = LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=0)
    model.fit(x, labels)
    weights = {"": round(float(model.intercept_[0]), DIGITS)}
    for name, w in zip(vec.get_feature_names_out(), model.coef_[0], strict=True):
        w = round(float(w), DIGITS)
        if abs(w) >= 10**-DIGITS * 10:
            weights[str(name)] = w
    return dict(sorted(weights.items()))


def train(data: Data) -> dict[str, dict[str, float]]:
    by_rel: dict[str, list[Example]] = defaultdict(list)
    for e in data.examples:
        by_rel[e.relation].append(e)
    return {rel: w for rel in sorted(by_rel) if (w := fit(by_rel[rel]))}


def _probability(weights: dict[str, float], features: list[str]) -> float:
    import math

    z = weights.get("", 0.0) + sum(weights.get(f, 0.0) for f in set(features))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def cross_validate(data: Data, folds: int = 5) -> list[tuple[Example, float]]:
    """Held-out probabilities of every example, articles kept whole within a fold."""
    groups = sorted({e.group for e in data.examples})
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    out: list[tuple[Example, float]] = []
    for k in range(folds):
        train_ex = [e for e in data.examples if fold_of[e.group] != k]
        model = train(Data(train_ex))
        for e in data.examples:
            if fold_of[e.group] == k:
                out.append((e, _probability(model.get(e.relation, {}), e.features)))
    return out


def score(scored: list[tuple[Example, float]], propose: float, keep: float) -> tuple[float, ...]:
    """Precision, recall, F1 of the combined decision over held-out examples."""
    return _score_each([(e, p, propose, keep) for e, p in scored])


def _score_each(rows: list[tuple[Example, float, float, float]]) -> tuple[float, ...]:
    """Precision, recall, F1 with each example's own relation thresholds."""
    tp = fp = fn = 0
    for e, p, propose, keep in rows:
        yes = p >= keep if e.rule else p >= propose
        tp += yes and e.label == 1
        fp += yes and e.label == 0
        fn += (not yes) and e.label == 1
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def choose_thresholds(
    scored: list[tuple[Example, float]], min_precision: float, filter_rules: bool = False
) -> tuple:
    """The (propose, keep) pair with the best F1 among those that keep `min_precision`
    (keep is 0, the rules' facts all stand, unless `filter_rules`)."""
    grid = [x / 100 for x in range(5, 100, 5)]
    best = None
    for propose in grid:
        for keep in [0.0, *grid[:10]] if filter_rules else [0.0]:
            p, r, f = score(scored, propose, keep)
            if p >= min_precision and (best is None or f > best[2][2]):
                best = (propose, keep, (p, r, f))
    return best


MIN_POSITIVES = 15  # a relation with fewer held-out positives proposes nothing
# relations the noun-phrase patterns of the cue file state (米X, 中国のX): the scorer keeps or
# drops what the rules make of them but proposes none of its own (it would spread a country
# over lists whose members the gold sets treat differently)
RULES_ONLY = {"basedIn"}


def per_relation(scored: list[tuple[Example, float]], min_precision: float) -> dict:
    """(propose, keep) per relation: the best F1 at `min_precision` on its held-out
    candidates; a relation too rare to measure, or never that precise, only keeps the
    rules' facts (propose above 1)."""
    by_rel: dict[str, list] = defaultdict(list)
    for e, p in scored:
        by_rel[e.relation].append((e, p))
    out = {}
    for rel, xs in sorted(by_rel.items()):
        best = None
        if sum(e.label for e, _ in xs) >= MIN_POSITIVES:
            # never ask more precision of the pair than the rules alone have: the model
            # is to add facts, not to trade the rules' recall for precision
            rules_p = score([(e, 1.0 if e.rule else 0.0) for e, _ in xs], 2.0, 0.5)[0]
            best = choose_thresholds(xs, min(min_precision, rules_p), filter_rules=True)
        out[rel] = (best[0], best[1]) if best else (1.01, 0.0)
        if rel in RULES_ONLY:
            out[rel] = (1.01, out[rel][1])
    return out


def model_json(weights: dict, thresholds: dict, sets: list[str]) -> str:
    data = {
        "version": VERSION,
        "about": "Logistic model per relation over candidate pairs (kg/relations/scorer.py); "
        "trained by scripts/train_scorer.py",
        "trained_on": sets,
        "propose": {r: thresholds.get(r, (1.01, 0.0))[0] for r in sorted(weights)},
        "keep": {r: thresholds.get(r, (1.01, 0.0))[1] for r in sorted(weights)},
        "weights": weights,
    }
    return json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cv", action="store_true", help="cross-validate and report")
    ap.add_argument("--check", action="store_true", help="retrain, compare with the shipped")
    ap.add_argument("--out", type=Path, default=REPO / "ontology" / "relation-scorer.json")
    ap.add_argument("--cache", type=Path, default=REPO / ".kg" / "scorer-parse-cache")
    ap.add_argument("--min-precision", type=float, default=0.85)
    args = ap.parse_args(argv)
    data = load_data(args.cache)
    sets = [gs.name for gs in training_sets()]
    scored = cross_validate(data)
    thresholds = per_relation(scored, args.min_precision)
    if args.cv:
        positives = sum(e.label for e in data.examples)
        print(f"{len(data.examples)} candidates, {positives} positive, sets: {', '.join(sets)}")
        print("held-out candidates, articles kept whole (5 folds):")
        print(f"{'relation':20s} {'pos':>4s}  rules P/R      propose keep  rules+scorer P/R")
        rows = defaultdict(list)
        for e, p in scored:
            rows[e.relation].append((e, p))
        combined_all = []
        for rel, xs in sorted(rows.items()):
            propose, keep = thresholds[rel]
            r = score([(e, 1.0 if e.rule else 0.0) for e, _ in xs], 2.0, 0.5)
            c = score(xs, propose, keep)
            combined_all += [(e, p, propose, keep) for e, p in xs]
            pos = sum(e.label for e, _ in xs)
            print(f"{rel:20s} {pos:4d}  {r[0]:.2f}/{r[1]:.2f}      {propose:.2f}   {keep:.2f}  "
                  f"{c[0]:.2f}/{c[1]:.2f}")  # fmt: skip
        rules = score([(e, 1.0 if e.rule else 0.0) for e, _ in scored], 2.0, 0.5)
        both = _score_each(combined_all)
        print(f"{'all':20s} {positives:4d}  {rules[0]:.2f}/{rules[1]:.2f}  (F1 {rules[2]:.2f})"
              f"              {both[0]:.2f}/{both[1]:.2f}  (F1 {both[2]:.2f})")  # fmt: skip
    text = model_json(train(data), thresholds, sets)
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print("the shipped model is up to date" if same else f"{args.out} differs: retrain")
        return 0 if same else 1
    if not args.cv:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
