"""A remote triple store behind the SPARQL 1.1 Protocol, usable wherever a pyoxigraph `Store` is.

`--store` (or `KG_STORE`) may be the query URL of a running SPARQL endpoint instead of a
directory. Then `kg build` writes into it and every command reads from it:

    kg build corpus/ --store http://127.0.0.1:7878/query
    kg stats --store http://127.0.0.1:7878/query

Where the other endpoints are:

- update URL: `--update-url` (on `kg build`), else env `KG_UPDATE_URL`, else the query URL
  with a final `/query` replaced by `/update` (Oxigraph's layout), else the query URL itself;
- Graph Store Protocol URL (optional): env `KG_GSP_URL`, else `/store` next to a final
  `/query`. Used to load the ontology graph (blank nodes keep their labels, which SPARQL
  `INSERT DATA` cannot promise) and to dump the store for `kg export`. Without it (or when
  it answers 404) the same is done with SPARQL.

`RemoteStore` implements the part of `pyoxigraph.Store` that kg uses (`query`, `update`,
`quads_for_pattern`, `extend`, `dump`, iteration, `flush`), returning pyoxigraph objects,
so `kg.graph`, `kg.query` and `kg.evaluate` work on it unchanged. Each article graph is
replaced by one update request (`DROP SILENT GRAPH <g> ; INSERT DATA {...}`), which a
transactional server such as Oxigraph applies atomically.

The union of the article graphs as default graph (`use_default_graph_as_union=True`) is
asked for with Oxigraph's `union-default-graph` request parameter; other servers must be
configured to do the same (e.g. Fuseki's `tdb2:unionDefaultGraph`).
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kg.errors import StoreError

if TYPE_CHECKING:
    import pyoxigraph as ox

UPDATE_ENV = "KG_UPDATE_URL"
GSP_ENV = "KG_GSP_URL"
TIMEOUT = 120.0  # seconds per HTTP request

JSON_RESULTS = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
NQUADS = "application/n-quads"


def is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def as_remote(store: object, *, update_url: str | None = None) -> RemoteStore | None:
    """`store` as a `RemoteStore` when it is one or is an endpoint URL (also from `KG_STORE`)."""
    if isinstance(store, RemoteStore):
        return store
    if store is None:
        store = os.environ.get("KG_STORE")
    if isinstance(store, os.PathLike):
        store = os.fspath(store)
    if not is_url(store):
        return None
    return RemoteStore(str(store), update_url=update_url)


class RemoteStore:
    """A SPARQL 1.1 endpoint (query, update and optionally Graph Store Protocol URLs)."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        base = query_url[: -len("/query")] if query_url.endswith("/query") else None
        self.query_url = query_url
        self.update_url = (
            update_url or os.environ.get(UPDATE_ENV) or (f"{base}/update" if base else query_url)
        )
        self.gsp_url = gsp_url or os.environ.get(GSP_ENV) or (f"{base}/store" if base else None)
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r}, update_url={self.update_url!r})"

    # ------------------------------------------------------------- HTTP

    def _request(
        self,
        url: str,
        *,
        data: bytes | None = None,
        content_type: str | None = None,
        accept: str | None = None,
        method: str | None = None,
    ) -> tuple[str, bytes]:
        import urllib.error
        import urllib.request  # here: 20 ms that a local build does not need

        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as exc:
            body = exc.read().decode("utf-8", "replace").strip()
            if exc.code == 400:
                raise SyntaxError(f"{url} refused the request: {body[:500]}") from exc
            raise OSError(f"{url} answered HTTP {exc.code}: {body[:500]}") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise OSError(f"cannot reach SPARQL endpoint {url}: {reason}") from exc

    # ------------------------------------------------------------- pyoxigraph.Store subset

    def query(
        self,
        query: str,
        *,
        prefixes: dict[str, str] | None = None,
        use_default_graph_as_union: bool = False,
        default_graph: list | None = None,
        named_graphs: list | None = None,
        **_ignored,
    ):
        """Run a query; return `QuerySolutions`, `QueryBoolean` or a list of `Triple`s."""
        import pyoxigraph as ox

        if prefixes:
            query = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes.items()) + query
        fields = {"query": query}
        if use_default_graph_as_union:
            fields["union-default-graph"] = ""
        pairs = list(fields.items())  # the SPARQL protocol's dataset: one pair per graph
        pairs += [("default-graph-uri", g.value) for g in default_graph or ()]
        pairs += [("named-graph-uri", g.value) for g in named_graphs or ()]
        ctype, body = self._request(
            self.query_url,
            data=urllib.parse.urlencode(pairs).encode("utf-8"),
            content_type="application/x-www-form-urlencoded",
            accept=f"{JSON_RESULTS}, {NTRIPLES};q=0.9",
        )
        if "sparql-results+json" in ctype or ctype.startswith("application/json"):
            return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if "n-triples" in ctype or ctype.startswith("text/plain"):
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        if "turtle" in ctype:
            return list(ox.parse(body, format=ox.RdfFormat.TURTLE))
        raise OSError(f"{self.query_url} answered with unexpected content type {ctype!r}")

    def update(self, update: str, **_ignored) -> None:
        self._request(
            self.update_url,
            data=urllib.parse.urlencode({"update": update}).encode("utf-8"),
            content_type="application/x-www-form-urlencoded",
        )

    def quads_for_pattern(self, subject, predicate, object, graph_name=None) -> list[ox.Quad]:
        import pyoxigraph as ox

        terms = zip((subject, predicate, object), "spo", strict=True)
        s, p, o = (str(t) if t is not None else f"?{v}" for t, v in terms)
        if graph_name is None:
            return [q for q in self._all_quads() if _matches(q, subject, predicate, object)]
        if isinstance(graph_name, ox.DefaultGraph):
            rows = self.query(f"SELECT * WHERE {{ {s} {p} {o} }}")
        else:
            rows = self.query(f"SELECT * WHERE {{ GRAPH {graph_name} {{ {s} {p} {o} }} }}")
        return canonical_blank_nodes(
            [
                ox.Quad(subject or row["s"], predicate or row["p"], object or row["o"], graph_name)
                for row in rows
            ]
        )

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """Add quads: through the Graph Store Protocol when there is one, else INSERT DATA."""
        import pyoxigraph as ox

        by_graph: dict[str, list[ox.Quad]] = {}
        for q in quads:
            by_graph.setdefault(str(q.graph_name), []).append(q)
        for graph_name, group in by_graph.items():
            g = group[0].graph_name
            triples = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in group)
            if self.gsp_url and self._gsp_post(g, triples.encode("utf-8")):
                continue
            target = "" if isinstance(g, ox.DefaultGraph) else f"GRAPH {graph_name} "
            self.update(f"INSERT DATA {{ {target}{{\n{triples}}} }}")

    def _gsp_post(self, graph, data: bytes) -> bool:
        import pyoxigraph as ox

        param = (
            "default"
            if isinstance(graph, ox.DefaultGraph)
            else "graph=" + urllib.parse.quote(graph.value, safe="")
        )
        try:
            self._request(
                f"{self.gsp_url}?{param}", data=data, content_type=NTRIPLES, method="POST"
            )
        except OSError as exc:
            if "HTTP 404" in str(exc) or "HTTP 405" in str(exc):
                self.gsp_url = None  # no Graph Store Protocol there: fall back to SPARQL
                return False
            raise
        return True

    def _all_quads(self) -> list[ox.Quad]:
        import pyoxigraph as ox

        if self.gsp_url:
            try:
                _, body = self._request(self.gsp_url, accept=NQUADS)
                return canonical_blank_nodes(ox.parse(body, format=ox.RdfFormat.N_QUADS))
            except OSError as exc:
                if "HTTP 404" not in str(exc) and "HTTP 405" not in str(exc):
                    raise
                self.gsp_url = None
        rows = self.query(
            "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        )
        return canonical_blank_nodes(
            ox.Quad(r["s"], r["p"], r["o"], r["g"] if r["g"] is not None else ox.DefaultGraph())
            for r in rows
        )

    def __iter__(self) -> Iterator[ox.Quad]:
        return iter(self._all_quads())

    def __len__(self) -> int:
        return len(self._all_quads())

    def dump(self, output=None, format=None, *, from_graph=None, prefixes=None, **_ignored):
        """Serialize the whole store (or `from_graph`) like `pyoxigraph.Store.dump`."""
        import pyoxigraph as ox

        local = ox.Store()
        local.extend(self._all_quads())
        kwargs = {"format": format, "prefixes": prefixes}
        if from_graph is not None:
            kwargs["from_graph"] = from_graph
        return local.dump(output, **kwargs)

    def flush(self) -> None:
        """Nothing to flush: every request is committed by the server."""

    def optimize(self) -> None:
        """Nothing to do from a client."""


def canonical_blank_nodes(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Relabel the blank nodes of each graph canonically (as `kg.graph.ontology_quads` does).

    A server gives blank nodes labels of its own (SPARQL and the Graph Store Protocol
    both allow it); canonical labels make an export of a remote store byte-identical to
    an export of a local store with the same content.
    """
    import pyoxigraph as ox
    from rdflib import BNode, Graph
    from rdflib.compare import to_canonical_graph

    by_graph: dict[str, list[ox.Quad]] = {}
    for q in quads:
        by_graph.setdefault(str(q.graph_name), []).append(q)
    out: list[ox.Quad] = []
    for group in by_graph.values():
        if not any(isinstance(t, ox.BlankNode) for q in group for t in (q.subject, q.object)):
            out.extend(group)
            continue
        # rdflib canonicalisation via a round trip through N-Triples (exact terms both ways)
        text = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in group)
        g = to_canonical_graph(Graph().parse(data=text, format="nt"))
        data = "".join(
            " ".join(f"_:{t}" if isinstance(t, BNode) else t.n3() for t in triple) + " .\n"
            for triple in g
        )
        graph_name = group[0].graph_name
        out.extend(
            ox.Quad(t.subject, t.predicate, t.object, graph_name)
            for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        )
    return out


def _matches(q, s, p, o) -> bool:
    return (
        (s is None or q.subject == s)
        and (p is None or q.predicate == p)
        and (o is None or q.object == o)
    )


def check_reachable(store: RemoteStore) -> None:
    """Raise `StoreError` unless the endpoint answers a trivial query."""
    try:
        store.query("ASK { ?s ?p ?o }")
    except (OSError, SyntaxError) as exc:
        raise StoreError(f"SPARQL endpoint {store.query_url} does not answer: {exc}") from exc
