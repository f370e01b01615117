"""The `kg` command: thin wrappers that parse arguments, call one library function, print.

Heavy modules (spaCy, rdflib, pyoxigraph) are imported inside the commands, so
`kg --help` answers at once. Library errors (`KgError`) become one line on stderr,
`error: <message>`, and exit status 1.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated

import typer

from kg.errors import KgError

app = typer.Typer(
    help="Japanese news about the US-China chip supply chain, as an RDF knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="KG_STORE",
        help="Store directory (holds oxigraph/ and parse-cache/). Default: .kg/store",
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
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Parser processes.")] = 1,
    store: StoreOpt = None,
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
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from kg.pipeline import build as run_build

    bar: list = []

    def progress(done: int, total: int) -> None:
        if not bar:
            p = Progress(
                "parsing", BarColumn(), MofNCompleteColumn(), "sentences", TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )  # fmt: skip
            p.start()
            bar.append((p, p.add_task("parse", total=total)))
        p, task = bar[0]
        p.update(task, completed=done, total=total)

    try:
        report = run_build(
            paths or [Path("corpus")],
            store=store,
            strict=strict,
            min_confidence=min_confidence,
            n_process=jobs,
            progress=progress,
            prefilter=not full_parse,
            executor=executor,
            scheduler=scheduler,
        )
    finally:
        if bar:
            bar[0][0].stop()
    for s in report.skipped:
        _err(f"warning: {s.path}: {s.reason}")
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
    sparql: Annotated[str, typer.Argument(help="A .rq/.sparql file, or the query text.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    store: StoreOpt = None,
) -> None:
    """Run a SPARQL query over the union of all graphs (prefixes kg:, kge:, ... predeclared)."""
    from kg import graph
    from kg.query import format_result, read_query, run_query

    text = read_query(sparql)
    result = run_query(graph.open_store(store, create=False), text)
    _out(format_result(result, fmt))


@app.command()
@_fails_cleanly
def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="nquads, trig, turtle (union) or jsonld.")
    ] = "nquads",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Write the whole store as RDF (N-Quads lines are sorted, so exports are comparable)."""
    from kg import graph

    data = graph.export(graph.open_store(store, create=False), fmt)
    if output:
        output.write_bytes(data)
        _err(f"wrote {output} ({len(data)} bytes)")
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


@app.command()
@_fails_cleanly
def stats(store: StoreOpt = None) -> None:
    """Counts per class and relation, claims by modality, the most connected entities."""
    from kg import graph
    from kg.query import format_stats
    from kg.query import stats as compute

    _out(format_stats(compute(graph.open_store(store, create=False))))


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
    """Score the graph against gold files (see gold/GUIDELINES.md, "Scoring")."""
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


if __name__ == "__main__":
    app()
