"""Saved analyst queries (`kg/queries/*.rq`) and safe parameter binding.

Each saved query is a SPARQL file whose header comment says what it is:

    # title: Suppliers and customers of an entity
    # description: Who supplies ... (continuation lines are indented)
    # param: entity entity Nvidia  The company (any label, alias or ticker)

A `param:` line is `NAME KIND DEFAULT  DESCRIPTION` (the default may contain spaces; two
spaces end it). KIND is `entity` (a label, alias, ticker, `kge:` name or IRI, resolved to
entity IRIs), `relation` (a relation local name), `date` (YYYY-MM-DD, or `any`: no bound,
an UNDEF in the clause), `string` or `iri`.
The body holds, for each parameter, exactly one `VALUES ?NAME { ... }` clause; the file
runs as it is with the default there.

Binding replaces the contents of that clause by RDF terms built with pyoxigraph
(`NamedNode`, `Literal`) and serialized by it, so user text only ever reaches the query as
an escaped literal or a checked IRI, never as SPARQL syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from kg.dates import Window
from kg.errors import QueryError

KINDS = ("entity", "relation", "date", "string", "iri")
ANY_DATE = "any"  # a date parameter without a bound
WINDOW_PARAMS = ("since", "until")  # bound by kg query --since / --until
HEADER = re.compile(r"^#\s*(title|description|param):\s?(.*)$")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: str
    description: str = ""


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    values: dict[str, str] = field(default_factory=dict, compare=False)  # param -> old clause


def values_clause(name: str) -> re.Pattern:
    return re.compile(r"VALUES\s+\?" + re.escape(name) + r"\s*\{[^{}]*\}")


def parse_saved(name: str, text: str) -> SavedQuery:
    """Read the header of a saved query; check every parameter has its VALUES clause."""
    title, description, params = "", [], []
    last = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = HEADER.match(line)
        if m:
            last = m.group(1)
            value = m.group(2).strip()
            if last == "title":
                title = value
            elif last == "description":
                description.append(value)
            else:
                head, _, desc = value.partition("  ")
                parts = head.split(None, 2)
                if len(parts) != 3 or parts[1] not in KINDS:
                    raise QueryError(
                        f"saved query {name}: bad param line {line!r};"
                        f" write `# param: NAME KIND DEFAULT  DESCRIPTION`, KIND in {KINDS}"
                    )
                params.append(Param(parts[0], parts[1], parts[2].strip(), desc.strip()))
        elif last == "description" and line.startswith("#  "):
            description.append(line[1:].strip())
    for p in params:
        n = len(values_clause(p.name).findall(text))
        if n != 1:
            raise QueryError(f"saved query {name}: needs one `VALUES ?{p.name} {{ }}`, has {n}")
    return SavedQuery(name, title or name, " ".join(description), tuple(params), text)


@cache
def list_saved() -> tuple[SavedQuery, ...]:
    """Every saved query shipped with the package, by name."""
    folder = resources.files("kg") / "queries"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            out.append(parse_saved(entry.name[:-3], entry.read_text(encoding="utf-8")))
    return tuple(out)


def get_saved(name: str) -> SavedQuery:
    name = name.removesuffix(".rq")
    for q in list_saved():
        if q.name == name:
            return q
    names = ", ".join(q.name for q in list_saved())
    raise QueryError(f"no saved query {name!r}; the saved queries are: {names}")


# ----------------------------------------------------------------- terms


def terms_for(param: Param, value: str, store=None) -> list:
    """The RDF terms `value` stands for, as pyoxigraph terms (never raw text)."""
    import pyoxigraph as ox

    from kg.graph import PREFIXES
    from kg.vocab import KG, XSD

    try:
        if param.kind == "entity":
            if store is not None:
                from kg.query import find_entities

                iris = sorted(find_entities(store, value))
            else:
                iris = [_entity_without_store(value)]
            return [ox.NamedNode(i) for i in iris]
        if param.kind == "relation":
            from kg.query import resolve_property

            return [ox.NamedNode(str(KG) + resolve_property(value))]
        if param.kind == "date":
            try:
                day = date.fromisoformat(value.strip())
            except ValueError:
                raise QueryError(
                    f"parameter {param.name}: {value!r} is not a date; write YYYY-MM-DD"
                ) from None
            return [ox.Literal(day.isoformat(), datatype=ox.NamedNode(str(XSD.date)))]
        if param.kind == "iri":
            prefix, _, local = value.partition(":")
            iri = PREFIXES[prefix] + local if prefix in PREFIXES else value
            return [ox.NamedNode(iri)]
        return [ox.Literal(value)]
    except ValueError as exc:  # pyoxigraph refuses an invalid IRI
        raise QueryError(f"parameter {param.name}: {value!r} is not usable: {exc}") from None


def _entity_without_store(value: str) -> str:
    from kg.entities import resolve_name
    from kg.graph import PREFIXES

    value = value.strip()
    if value.startswith(("http://", "https://")):
        return value
    prefix, _, local = value.partition(":")
    if local and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    return resolve_name(value)


def bind(query: SavedQuery, values: dict[str, str] | None = None, store=None) -> str:
    """The query text with every parameter bound (given values, else defaults)."""
    values = dict(values or {})
    known = {p.name for p in query.params}
    unknown = sorted(set(values) - known)
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise QueryError(
            f"saved query {query.name} has no parameter {', '.join(unknown)}; it takes: {allowed}"
        )
    text = query.text
    for p in query.params:
        value = values.get(p.name, p.default)
        if p.kind == "date" and value.strip() == ANY_DATE:
            clause = f"VALUES ?{p.name} {{ UNDEF }}"
        else:
            terms = terms_for(p, value, store)
            clause = f"VALUES ?{p.name} {{ {' '.join(str(t) for t in terms)} }}"
        text = values_clause(p.name).sub(lambda _m, c=clause: c, text, count=1)
    return text


def bind_defaults(query: SavedQuery) -> str:
    return bind(query, {}, None)


def window_params(query: SavedQuery, window: Window) -> dict[str, str]:
    """The `since` and `until` parameters of `query` bound to the days of `window`
    (`kg query --saved NAME --since ... --until ...`); QueryError if it has no such
    parameter."""
    out = {}
    for name in WINDOW_PARAMS:
        day = getattr(window, name)
        if day is None:
            continue
        if name not in {p.name for p in query.params}:
            takes = ", ".join(q.name for q in list_saved() if name in {p.name for p in q.params})
            raise QueryError(
                f"saved query {query.name} has no {name} parameter: --{name} applies to {takes}"
                " (--as-of applies to every query)"
            )
        out[name] = day.isoformat()
    return out


def bind_saved(
    name: str, values: dict[str, str] | None = None, window: Window | None = None, store=None
) -> str:
    """The text of the saved query `name` with its parameters bound: `values`, and the
    `since`/`until` of `window` (`window_params`)."""
    query = get_saved(name)
    return bind(query, {**(values or {}), **window_params(query, window or Window())}, store)


DEFAULT_PAGE = 20  # rows of a saved query shown in the terminal unless asked for more


def run_saved(
    store,
    name: str,
    values: dict[str, str] | None = None,
    *,
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
    limit: int | None = DEFAULT_PAGE,
    offset: int = 0,
):
    """Run the saved query `name` (`kg query --saved`): parameters from `values`, events
    from `since` to `until` (its `since`/`until` parameters), over the graph as it stood on
    `as_of`, rows `offset` to `offset + limit` (`limit=None`: all from `offset` on). Returns
    a `kg.query.QueryResult` page, with the number of rows of the whole result
    (`kg.query.run_page`)."""
    from kg.query import run_page

    window = Window.parse(since, until, as_of)
    text = bind_saved(name, values, window, store)
    return run_page(store, text, limit=limit, offset=offset, as_of=window.as_of)


def parse_params(pairs: list[str]) -> dict[str, str]:
    """`["entity=Huawei", ...]` -> dict; the value may hold any character, `=` included."""
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param {pair!r}: write NAME=VALUE, e.g. --param entity=Huawei")
        out[name.strip()] = value
    return out


def format_listing() -> str:
    from kg.query import table

    rows = []
    for q in list_saved():
        params = " ".join(f"{p.name}={p.default}" for p in q.params)
        rows.append([q.name, q.title, params])
    return table(["name", "title", "parameters (defaults)"], rows)
