"""Regenerate the "Saved queries" section of README.md from the real output on a store.

    kg build corpus/ && python scripts/readme_saved_queries.py [--store .kg/store]

Rewrites the text between `<!-- saved-queries:begin -->` and `<!-- saved-queries:end -->`:
for every saved query its title, description, parameters, the command and its output.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from kg import graph
from kg.query import format_result, run_query
from kg.saved import bind, list_saved

BEGIN, END = "<!-- saved-queries:begin -->", "<!-- saved-queries:end -->"


def section(store) -> str:
    out = [BEGIN, ""]
    for q in list_saved():
        params = " ".join(f"--param {p.name}={p.default!r}" if " " in p.default
                          else f"--param {p.name}={p.default}" for p in q.params)  # fmt: skip
        out.append(f"#### `{q.name}`: {q.title}")
        out.append("")
        out.append(q.description)
        if q.params:
            out.append("")
            out += [f"- `{p.name}` ({p.kind}, default `{p.default}`): {p.description}"
                    for p in q.params]  # fmt: skip
        result = format_result(run_query(store, bind(q, {}, store)), "table")
        out += ["", "```console", f"$ kg query --saved {q.name} {params}".rstrip(), result,
                "```", ""]  # fmt: skip
    out.append(END)
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=None)
    ap.add_argument("--readme", default=str(Path(__file__).resolve().parent.parent / "README.md"))
    args = ap.parse_args()
    store = graph.open_store(args.store, create=False)
    readme = Path(args.readme)
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{readme}: no {BEGIN} ... {END} markers")
    new = section(store)
    readme.write_text(pattern.sub(lambda _m: new, text), encoding="utf-8")
    print(f"rewrote the saved-queries section of {readme}")


if __name__ == "__main__":
    main()
