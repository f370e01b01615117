"""The `kg` command: thin wrappers that parse arguments, call one library function, print.

Heavy modules (spaCy, rdflib, pyoxigraph) are imported inside the commands, so
`kg --help` answers at once. Library errors (`KgError`) become one line on stderr,
`error: <message>`, and exit status 1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer

from kg.errors import KgError
from kg.parse import ONE_BLAS_THREAD

for _name, _value in ONE_BLAS_THREAD.items():  # before anything loads numpy
    os.environ.setdefault(_name, _value)

app = typer.Typer(
    help="Japanese news about the US-China chip supply chain, as an RDF knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="KG_STORE",
        help="Store directory (holds oxigraph/ and parse-cache/), or the query URL of a"
        " SPARQL endpoint (see docs/remote-store.md). Default: .kg/store",
        show_default=False,
    ),
]


# Questions in time, the same three options wherever claims are read (kg.dates.Window).
SinceOpt = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Only claims of events on or after this day (YYYY-MM-DD; YYYY-MM or YYYY: from"
        " its first day).",
        show_default=False,
    ),
]
UntilOpt = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Only claims of events on or before this day (YYYY-MM or YYYY: to its last day).",
        show_default=False,
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The graph as it stood on this day: only articles published by then.",
        show_default=False,
    ),
]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _fails_cleanly(func: Callable) -> Callable:
    """Turn a `KgError` into `error: <message>` on stderr and exit status 1."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KgError as exc:
            _err("error: " + " ".join(str(exc).splitlines()))  # one line, always
            raise typer.Exit(1) from None

    return wrapper


def _out(text: str) -> None:
    typer.echo(text)


# ----------------------------------------------------------------- build


@app.command()
@_fails_cleanly
def build(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Corpus directories or files. Default: corpus/", show_default=False),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first bad file, writing nothing.")
    ] = False,
    min_confidence: Annotated[
        float, typer.Option("--min-confidence", help="Drop facts less confident than this.")
    ] = 0.0,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            help="Parser processes (default: one per core, at most 4; used when there is"
            " enough text to parse).",
            show_default=False,
        ),
    ] = 0,
    wait: Annotated[
        float,
        typer.Option("--wait", help="Seconds to wait for another build of the store to finish."),
    ] = 5.0,
    store: StoreOpt = None,
    update_url: Annotated[
        str | None,
        typer.Option(
            "--update-url",
            envvar="KG_UPDATE_URL",
            help="SPARQL update URL when --store is an endpoint (default: derived from it).",
            show_default=False,
        ),
    ] = None,
    validate_after: Annotated[
        bool,
        typer.Option(
            "--validate/--no-validate", help="Check the article graphs written against the shapes."
        ),
    ] = True,
    executor: Annotated[
        str, typer.Option("--executor", help="local, or dask to parse on a Dask cluster.")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (default: a local cluster)."),
    ] = None,
    full_parse: Annotated[
        bool, typer.Option("--full-parse", help="Parse every sentence (no pre-filter).")
    ] = False,
) -> None:
    """Build or update the graph from a corpus (only changed articles are re-read)."""
    from kg.pipeline import build as run_build

    bar: list = []

    def progress(done: int, total: int) -> None:
        if not bar:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

            p = Progress(
                "parsing", BarColumn(), MofNCompleteColumn(), "sentences", TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )  # fmt: skip
            p.start()
            bar.append((p, p.add_task("parse", total=total)))
        p, task = bar[0]
        p.update(task, completed=done, total=total)

    from kg.remote import as_remote

    target = as_remote(store, update_url=update_url) or store
    try:
        report = run_build(
            paths or [Path("corpus")],
            store=target,
            strict=strict,
            min_confidence=min_confidence,
            n_process=jobs if jobs > 0 else min(4, os.cpu_count() or 1),
            progress=progress,
            wait=wait,
            prefilter=not full_parse,
            executor=executor,
            scheduler=scheduler,
            validate=validate_after,
        )
    finally:
        if bar:
            bar[0][0].stop()
    for s in [*report.skipped, *report.warnings]:
        _err(f"warning: {s.path}: {s.reason}")
    if report.violations:
        _err(
            f"warning: the articles written violate {len(report.violations)} SHACL"
            " constraint(s); run `kg validate` to list them"
        )
    _out(
        "\n".join(
            [
                f"articles read  {report.articles}",
                f"skipped        {len(report.skipped)}",
                f"unchanged      {report.unchanged}",
                f"rebuilt        {len(report.rebuilt)}",
                f"removed        {len(report.removed)}",
                f"entities       {report.entities}",
                f"facts          {report.facts}",
                f"claims         {report.claims}",
                f"time           {report.seconds:.1f} s",
            ]
        )
    )


# ----------------------------------------------------------------- query / export / stats


@app.command()
@_fails_cleanly
def query(
    sparql: Annotated[
        str | None,
        typer.Argument(help="A .rq/.sparql file, or the query text.", show_default=False),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    saved: Annotated[
        str | None,
        typer.Option("--saved", help="Run a saved query by name (see --list).", show_default=False),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-p", help="NAME=VALUE for a saved query (repeatable).", show_default=False
        ),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the saved queries.")] = False,
    show: Annotated[
        bool, typer.Option("--show", help="Print the saved query with its parameters bound.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            help="Rows to show (a saved query shows 20 in a table unless --all).",
            show_default=False,
        ),
    ] = None,
    offset: Annotated[int, typer.Option("--offset", help="Rows to skip before the page.")] = 0,
    all_rows: Annotated[bool, typer.Option("--all", help="Show every row.")] = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    as_of: AsOfOpt = None,
    store: StoreOpt = None,
) -> None:
    """Run a SPARQL query over the union of all graphs (prefixes kg:, kge:, ... predeclared).

    A table names each entity with its label and shows a saved query a page at a time,
    saying how many rows there are. --as-of runs any query over the articles published by
    that day; --since and --until bind the `since` and `until` parameters of the saved
    queries that have them."""
    from kg import graph
    from kg.errors import QueryError
    from kg.query import format_result, read_query, result_labels, run_page, run_query

    if list_:
        from kg.saved import format_listing

        _out(format_listing())
        return
    from kg.dates import Window

    window = Window.parse(since, until, as_of)
    if all_rows and limit is not None:
        raise QueryError("give either --limit N or --all, not both")
    if (limit is not None and limit < 1) or offset < 0:
        raise QueryError("--limit must be 1 or more and --offset 0 or more")
    if saved:
        from kg.saved import DEFAULT_PAGE, bind_saved, parse_params, run_saved

        if sparql:
            raise QueryError("give either a query or --saved NAME, not both")
        values = parse_params(param or [])
        ox_store = graph.open_store(store, create=False)
        if show:
            _out(bind_saved(saved, values, window, ox_store))
            return
        if limit is None and not all_rows and fmt == "table":
            limit = DEFAULT_PAGE
        result = run_saved(ox_store, saved, values, since=since, until=until, as_of=as_of,
                           limit=limit, offset=offset)  # fmt: skip
    else:
        if param:
            raise QueryError("--param only applies to --saved queries")
        if window.since or window.until:
            raise QueryError("--since and --until apply to --saved queries; use --as-of here")
        if not sparql:
            raise QueryError("give a query, a .rq file, --saved NAME or --list")
        text = read_query(sparql)
        ox_store = graph.open_store(store, create=False)
        if limit is not None or offset:
            result = run_page(ox_store, text, limit=limit, offset=offset, as_of=window.as_of)
        else:
            result = run_query(ox_store, text, as_of=window.as_of)
    labels = result_labels(ox_store, result) if fmt == "table" else None
    _out(format_result(result, fmt, labels=labels))


@app.command()
@_fails_cleanly
def export(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="nquads, trig, turtle (union), jsonld, graphml (Gephi/networkx)"
            " or csv (edge list with evidence).",
        ),
    ] = "nquads",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Write the whole store as RDF (N-Quads lines are sorted, so exports are comparable)."""
    from kg import graph

    ox_store = graph.open_store(store, create=False)
    if fmt in ("graphml", "csv"):
        from kg import exports

        data = exports.graphml(ox_store) if fmt == "graphml" else exports.edges_csv(ox_store)
    else:
        data = graph.export(ox_store, fmt)
    if output:
        output.write_bytes(data)
        _err(f"wrote {output} ({len(data)} bytes)")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


@app.command()
@_fails_cleanly
def load(
    files: Annotated[
        list[Path], typer.Argument(help="N-Quads (.nq) or TriG (.trig) files, e.g. from kg export.")
    ],
    store: StoreOpt = None,
) -> None:
    """Bulk-load exported graphs into a new store (fast; the store must be empty)."""
    from kg import graph

    n = graph.load_dump(store, files)
    _err(f"loaded {n} quads into {graph.store_dir(store)}")


@app.command()
@_fails_cleanly
def stats(store: StoreOpt = None) -> None:
    """Counts per class and relation, claims by modality, the most connected entities."""
    from kg import graph
    from kg.query import format_stats
    from kg.query import stats as compute

    _out(format_stats(compute(graph.open_store(store, create=False))))


@app.command()
@_fails_cleanly
def entities(
    search: Annotated[
        str | None,
        typer.Argument(
            help="Name to search for (Japanese or Latin, kana-insensitive, fuzzy).",
            show_default=False,
        ),
    ] = None,
    cls: Annotated[
        str | None, typer.Option("--class", help="Only this class (Company, Place, ...).")
    ] = None,
    sector: Annotated[
        str | None, typer.Option("--sector", help="Only this sector (equipment, memory, ...).")
    ] = None,
    country: Annotated[
        str | None, typer.Option("--country", help="Only entities of this country (中国, CN).")
    ] = None,
    detected: Annotated[
        bool,
        typer.Option(
            "--detected", help="Only entities found in the text but not in the gazetteer."
        ),
    ] = False,
    suggest: Annotated[
        bool,
        typer.Option(
            "--suggest", help="Print gazetteer stubs (Turtle) for the detected entities listed."
        ),
    ] = False,
    limit: Annotated[int, typer.Option("--limit", help="At most this many (0: all).")] = 0,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    store: StoreOpt = None,
) -> None:
    """List and search the entities of the graph, with their class, sectors and country."""
    from kg import graph
    from kg.catalog import format_entities, list_entities, stubs

    detected = detected or suggest
    rows = list_entities(
        graph.open_store(store, create=False), search, cls=cls, sector=sector,
        country=country, detected=detected,
    )  # fmt: skip
    if limit > 0:
        rows = rows[:limit]
    _out(stubs(rows) if suggest else format_entities(rows, fmt=fmt, detected=detected))


# ----------------------------------------------------------------- eval / why


@app.command("eval")
@_fails_cleanly
def eval_(
    entities: Annotated[
        list[Path], typer.Option("--entities", help="Gold entity file(s), JSON lines.")
    ],
    relations: Annotated[
        list[Path], typer.Option("--relations", help="Gold relation file(s), JSON lines.")
    ],
    show: Annotated[bool, typer.Option("--show", help="List missed and false facts.")] = False,
    by_modality: Annotated[
        bool, typer.Option("--by-modality", help="Modality accuracy on matched facts.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Score the graph against gold files (see ../shared/gold/GUIDELINES.md, "Scoring")."""
    from kg import graph
    from kg.evaluate import entity_labels, evaluate, format_evaluation, load_gold

    gold = load_gold(entities, relations)
    ox_store = graph.open_store(store, create=False)
    ev = evaluate(ox_store, gold)
    _out(format_evaluation(ev, show=show, by_modality=by_modality, labels=entity_labels(ox_store)))


@app.command()
@_fails_cleanly
def why(
    subject: Annotated[str, typer.Argument(help="Subject: any label, alias or ticker.")],
    prop: Annotated[str, typer.Argument(metavar="PROPERTY", help="Relation, e.g. suppliesTo.")],
    obj: Annotated[str, typer.Argument(metavar="OBJECT", help="Object: any label or alias.")],
    store: StoreOpt = None,
) -> None:
    """Show every claim (sentence, article, modality, rule) behind a fact."""
    from kg import graph
    from kg.query import format_claims
    from kg.query import why as find

    claims = find(graph.open_store(store, create=False), subject, prop, obj)
    if not claims:
        _err(f"no claim states {subject} {prop} {obj}")
        raise typer.Exit(1)
    _out(format_claims(claims))


# ----------------------------------------------------------------- viz / analyze / explain


@app.command()
@_fails_cleanly
def viz(
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    focus: Annotated[
        list[str] | None,
        typer.Option("--focus", help="Entity to centre on (any label, alias or ticker); repeat."),
    ] = None,
    depth: Annotated[int, typer.Option("--depth", help="Hops around the focus entities.")] = 1,
    relation: Annotated[
        list[str] | None, typer.Option("--relation", help="Only this relation; repeat.")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    as_of: AsOfOpt = None,
    max_nodes: Annotated[
        int, typer.Option("--max-nodes", help="Keep at most this many (most connected) entities.")
    ] = 500,
    lang: Annotated[str, typer.Option("--lang", help="Initial labels: ja or en.")] = "ja",
    store: StoreOpt = None,
) -> None:
    """Write the graph as one self-contained interactive HTML page (opens offline)."""
    from kg import graph
    from kg.viz import render

    report = render(
        graph.open_store(store, create=False), output, focus=focus or (), depth=depth,
        relations=relation or (), since=since, max_nodes=max_nodes, lang=lang, until=until,
        as_of=as_of,
    )  # fmt: skip
    if report.note:
        _err(report.note)
    more = report.held - report.nodes
    _err(f"{report.nodes} entities, {report.edges} edges ({report.claims} claims)"
         + (f"; {more} more in the page to expand into" if more else ""))  # fmt: skip
    _out(str(report.path.resolve()))


@app.command()
@_fails_cleanly
def timeline(
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")],
    relation: Annotated[
        list[str] | None, typer.Option("--relation", help="Only this relation; repeat.")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    as_of: AsOfOpt = None,
    lang: Annotated[str, typer.Option("--lang", help="Initial labels: ja or en.")] = "ja",
    store: StoreOpt = None,
) -> None:
    """Write the claims over time as one self-contained HTML page (opens offline)."""
    from kg import graph
    from kg.timeline import render

    report = render(
        graph.open_store(store, create=False), output, relations=tuple(relation or ()),
        since=since, until=until, as_of=as_of, lang=lang,
    )  # fmt: skip
    _err(f"{report.marks} claims on the timeline ({report.undated} without a date left out)")
    _out(str(report.path.resolve()))


@app.command()
@_fails_cleanly
def analyze(
    top: Annotated[int, typer.Option("--top", help="Entities per centrality ranking.")] = 10,
    hops: Annotated[
        int, typer.Option("--hops", help="Supply hops from an export-controlled entity.")
    ] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the community detection.")] = 0,
    since: SinceOpt = None,
    until: UntilOpt = None,
    as_of: AsOfOpt = None,
    by_sector: Annotated[
        bool, typer.Option("--by-sector", help="Also group entities and supply by sector.")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Central entities of the supply subgraph, export-control exposure, ownership roll-up,
    communities; with --by-sector, entities, supply and export controls per sector."""
    from kg import graph
    from kg.analysis import analyze as run
    from kg.analysis import format_analysis

    an = run(graph.open_store(store, create=False), top=top, hops=hops, seed=seed, since=since,
             until=until, as_of=as_of, by_sectors=by_sector)  # fmt: skip
    _out(format_analysis(an))


@app.command()
@_fails_cleanly
def explain(
    a: Annotated[str, typer.Argument(metavar="A", help="Entity: any label, alias or ticker.")],
    b: Annotated[str, typer.Argument(metavar="B", help="Entity: any label, alias or ticker.")],
    limit: Annotated[int, typer.Option("--limit", help="At most this many paths.")] = 5,
    since: SinceOpt = None,
    until: UntilOpt = None,
    as_of: AsOfOpt = None,
    store: StoreOpt = None,
) -> None:
    """Shortest paths between two entities, with the evidence sentence of every edge."""
    from kg import graph
    from kg.analysis import explain as find
    from kg.analysis import format_paths

    g, paths = find(graph.open_store(store, create=False), a, b, limit=limit, since=since,
                    until=until, as_of=as_of)  # fmt: skip
    if not paths:
        _err(f"no path links {a} and {b}")
        raise typer.Exit(1)
    _out(format_paths(g, paths))


# ----------------------------------------------------------------- validate / serve


@app.command()
@_fails_cleanly
def validate(
    shapes: Annotated[
        Path | None,
        typer.Option("--shapes", help="SHACL shapes file. Default: ontology/shapes.ttl"),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Check the graph against the SHACL shapes (domain, range, labels, evidence)."""
    from kg import graph
    from kg.shapes import format_violations
    from kg.shapes import validate as run_validate

    violations = run_validate(graph.open_store(store, create=False), shapes)
    if not violations:
        _out("the graph conforms to the shapes")
        return
    _out(format_violations(violations))
    _err(f"{len(violations)} violation(s)")
    raise typer.Exit(1)


@app.command()
@_fails_cleanly
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (127.0.0.1 keeps it local).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (0 picks a free one).")] = 7878,
    allow_update: Annotated[
        bool,
        typer.Option("--allow-update", help="Accept SPARQL updates (serves the live store)."),
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Per-query time limit, seconds.")
    ] = 30.0,
    max_result_bytes: Annotated[
        int, typer.Option("--max-result-bytes", help="Largest result sent, in bytes.")
    ] = 50_000_000,
    store: StoreOpt = None,
) -> None:
    """Serve the store as a SPARQL 1.1 endpoint (/query) with pages to browse it at /."""
    import signal

    from kg.serve import serve as run_serve

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)

    def ready(url: str) -> None:
        mode = "read-write" if allow_update else "read-only snapshot"
        _err(f"serving {mode} at {url} (SPARQL endpoint {url}query); Ctrl-C stops")

    run_serve(
        store, host=host, port=port, allow_update=allow_update, timeout=timeout,
        max_result_bytes=max_result_bytes, ready=ready,
    )  # fmt: skip


# ----------------------------------------------------------------- official lists

lists_app = typer.Typer(
    help="Official lists (the US Entity List, ...) beside the news: import, links.",
    no_args_is_help=True,
)
app.add_typer(lists_app, name="lists")


@lists_app.command("import")
@_fails_cleanly
def lists_import(
    files: Annotated[
        list[Path],
        typer.Argument(help="trade.gov Consolidated Screening List CSV, or Entity List TSV."),
    ],
    wait: Annotated[
        float,
        typer.Option("--wait", help="Seconds to wait for a build of the store to finish."),
    ] = 5.0,
    store: StoreOpt = None,
) -> None:
    """Import official lists into graphs of their own and link them to the graph's entities."""
    from kg.lists import import_lists

    report = import_lists(store, files, wait=wait)
    for list_id, label, n in report.lists:
        _out(f"{list_id:<6} {label}: {n} entries")
    _out(f"links  {report.links} (see `kg lists links`)")


@lists_app.command("links")
@_fails_cleanly
def lists_links(
    everything: Annotated[
        bool, typer.Option("--all", help="Also the matches not linked (ambiguous).")
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Every entity linked to a list entry, with the names that matched and why."""
    from kg import graph
    from kg.lists import format_links, stored_links

    _out(format_links(stored_links(graph.open_store(store, create=False), everything=everything)))


@lists_app.command("show")
@_fails_cleanly
def lists_show(store: StoreOpt = None) -> None:
    """The lists in the store: id, name, source file, entries, date imported."""
    from kg import graph
    from kg.lists import format_lists, stored_lists

    _out(format_lists(stored_lists(graph.open_store(store, create=False))))


def main() -> None:
    """The `kg` console script: `app`, then a quick exit.

    After the command, exit handlers run and the output is flushed, then the process ends
    without tearing the interpreter down: unloading spaCy, rdflib and the rest took 0.3 s,
    a fifth of a one-article rebuild. Everything is written by then; the store is as safe
    as after a kill, which a build is made to survive (tests/test_crash.py).
    """
    import atexit
    import threading

    try:
        app()
        code = 0
    except SystemExit as exc:
        if not isinstance(exc.code, int | None):
            raise
        code = exc.code or 0
    first = threading.main_thread()
    if any(t is not first and not t.daemon for t in threading.enumerate()):
        sys.exit(code)  # a thread the interpreter would wait for: end the usual way
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
