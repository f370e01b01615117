"""Score extraction on the real-news gold set, by split (dev, check or all).

    python scripts/eval_real.py dev [--show] [--by-modality]
    python scripts/eval_real.py check
    python scripts/eval_real.py all

The split is tests/data/eval/real-split.json (by article, drawn once with a fixed seed). The
articles of the split are copied into a work directory, built with `kg.pipeline.build`, and
scored with `kg.evaluate` against the gold facts whose source is in the split. `--show`
(missed and false facts) works on dev only: the check split's misses are never read.

The real set is ../shared/gold/real beside the checkout (or $KG_SHARED/gold/real, or
/work/shared/gold/real); `--real DIR` names another copy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPLIT = REPO / "tests" / "data" / "eval" / "real-split.json"


def shared_gold() -> Path | None:
    """The shared gold folder, where this machine has it."""
    for base in (REPO.parent / "shared", os.environ.get("KG_SHARED"), "/work/shared"):
        if base and Path(base, "gold", "real").is_dir():
            return Path(base, "gold")
    return None


def split_files(name: str) -> list[str]:
    """The article file names of a split (dev, check, or all)."""
    split = json.loads(SPLIT.read_text(encoding="utf-8"))
    return split["dev"] + split["check"] if name == "all" else split[name]


def score(name: str, real: Path, work: Path, entity_files: list[Path]):
    """Build the split's articles into WORK/store and score them: (Evaluation, labels)."""
    from kg import graph
    from kg.evaluate import entity_labels, evaluate, load_gold
    from kg.pipeline import build

    files = split_files(name)
    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    for f in files:
        shutil.copy(real / f, corpus / f)
    wanted = set(files)
    gold_rel = work / "relations.jsonl"
    with (
        open(real / "relations.jsonl", encoding="utf-8") as src,
        open(gold_rel, "w", encoding="utf-8") as dst,
    ):
        for line in src:
            if line.strip() and json.loads(line).get("source") in wanted:
                dst.write(line)
    # the extractor's code is not part of the build's version: build afresh each time,
    # keeping the parse cache
    shutil.rmtree(work / "store" / "oxigraph", ignore_errors=True)
    with contextlib.chdir(work):
        report = build(["corpus"], store="store")
        store = graph.open_store("store", create=False)
        ev = evaluate(store, load_gold(entity_files, [gold_rel]))
        labels = entity_labels(store)
        graph.close_store("store")
    for s in report.skipped:
        print(f"warning: {s.path}: {s.reason}", file=sys.stderr)
    return ev, labels


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("split", choices=["dev", "check", "all"])
    ap.add_argument("--show", action="store_true", help="missed and false facts (dev only)")
    ap.add_argument("--by-modality", action="store_true")
    ap.add_argument("--real", type=Path, help="the real-news folder (default: the shared one)")
    ap.add_argument("--work", type=Path, help="work directory kept between runs")
    args = ap.parse_args(argv)
    if args.show and args.split != "dev":
        ap.error("only dev misses are shown: the check split is only ever scored")
    gold = shared_gold()
    real = args.real or (gold / "real" if gold else None)
    if real is None or not real.is_dir():
        ap.error("no real-news gold set here: pass --real DIR")
    entity_files = [real / "entities.jsonl"]
    seed = (gold or real.parent) / "seed-entities.jsonl"
    if seed.is_file():
        entity_files.append(seed)
    from kg.evaluate import format_evaluation

    work = args.work or Path(tempfile.gettempdir()) / f"kg-eval-real-{args.split}"
    work.mkdir(parents=True, exist_ok=True)
    ev, labels = score(args.split, real, work.resolve(), entity_files)
    print(format_evaluation(ev, show=args.show, by_modality=args.by_modality, labels=labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
