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

What an endpoint may do to a client: every request has a deadline for the whole exchange
(`KG_REMOTE_TIMEOUT`, default 120 s: a server that trickles its answer is cut off), an
answer is read up to `KG_REMOTE_MAX_BYTES` (default 512 MB), a redirect is not followed
(the user is told where it points), and an answer that is not what the query asked for
(not parseable, another result kind, other variables) is refused. Each failure is a
`StoreError` naming the URL and the problem; a query the endpoint refuses (HTTP 400) is a
`SyntaxError`, as pyoxigraph raises for a malformed query.

The union of the article graphs as default graph (`use_default_graph_as_union=True`) is
asked for with Oxigraph's `union-default-graph` request parameter; other servers must be
configured to do the same (e.g. Fuseki's `tdb2:unionDefaultGraph`).
"""

from __future__ import annotations

import os
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kg.errors import StoreError

if TYPE_CHECKING:
    import pyoxigraph as ox

UPDATE_ENV = "KG_UPDATE_URL"
GSP_ENV = "KG_GSP_URL"
TIMEOUT_ENV = "KG_REMOTE_TIMEOUT"
MAX_BYTES_ENV = "KG_REMOTE_MAX_BYTES"
TIMEOUT = 120.0  # seconds for one whole request: connect, send, read the answer
MAX_RESPONSE_BYTES = 512_000_000

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


class EndpointError(StoreError):
    """The endpoint answered with an HTTP error status (`status`)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _env_number(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1
    if not (0 < number < 1e9):
        raise StoreError(f"{name}={value!r}: give a positive number below 1e9")
    return number


class RemoteStore:
    """A SPARQL 1.1 endpoint (query, update and optionally Graph Store Protocol URLs)."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> None:
        base = query_url[: -len("/query")] if query_url.endswith("/query") else None
        self.query_url = query_url
        self.update_url = (
            update_url or os.environ.get(UPDATE_ENV) or (f"{base}/update" if base else query_url)
        )
        self.gsp_url = gsp_url or os.environ.get(GSP_ENV) or (f"{base}/store" if base else None)
        self.timeout = timeout or _env_number(TIMEOUT_ENV, TIMEOUT)
        self.max_bytes = int(max_bytes or _env_number(MAX_BYTES_ENV, MAX_RESPONSE_BYTES))

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r}, update_url={self.update_url!r})"

    def __bool__(self) -> bool:
        return True  # not len(): that would download the whole store

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
        """(Content-Type, body) of a 2xx answer; see the module docstring for the rest."""
        import http.client  # here: 20 ms that a local build does not need

        from kg.deadlines import shared

        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(f"{url} is not an http(s) URL of a SPARQL endpoint")
        kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        headers = {"Content-Type": content_type} if content_type else {}
        if accept:
            headers["Accept"] = accept
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        deadline = time.monotonic() + self.timeout
        try:
            conn = kind(parts.hostname, parts.port, timeout=self.timeout)
        except ValueError as exc:  # a port that is not a number
            raise StoreError(f"{url} is not a usable URL: {exc}") from None
        sock = None
        try:
            conn.connect()
            sock = conn.sock
            shared().arm(sock, max(0.0, deadline - time.monotonic()))
            conn.request(method or ("POST" if data is not None else "GET"), target, data, headers)
            resp = conn.getresponse()
            body = bytearray()
            while chunk := resp.read1(65536):
                body += chunk
                if len(body) > self.max_bytes:
                    raise StoreError(
                        f"SPARQL endpoint {url} sent more than {self.max_bytes} bytes; set"
                        f" {MAX_BYTES_ENV} to accept more"
                    )
            if time.monotonic() >= deadline:  # the end was the deadline's: shut down
                raise TimeoutError
            if resp.length:
                raise StoreError(
                    f"SPARQL endpoint {url} cut its answer short ({resp.length} bytes missing)"
                )
        except (OSError, http.client.HTTPException) as exc:
            if time.monotonic() >= deadline or isinstance(exc, TimeoutError):
                raise StoreError(
                    f"SPARQL endpoint {url} did not answer in full within {self.timeout:g} s"
                    f" (set {TIMEOUT_ENV} to wait longer)"
                ) from None
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise StoreError(f"cannot reach SPARQL endpoint {url}: {reason}") from None
        finally:
            if sock is not None:
                shared().disarm(sock)
            conn.close()
        ctype = resp.getheader("Content-Type") or ""
        if 200 <= resp.status < 300:
            return ctype, bytes(body)
        text = _printable(bytes(body[:2000]).decode("utf-8", "replace"))[:300]
        if 300 <= resp.status < 400:
            where = resp.getheader("Location") or "nowhere"
            raise EndpointError(
                f"SPARQL endpoint {url} redirects (HTTP {resp.status}) to {where}; redirects"
                " are not followed: give the URL to use as --store",
                resp.status,
            )
        if resp.status == 400:
            raise SyntaxError(f"{url} refused the request: {text}")
        raise EndpointError(
            f"SPARQL endpoint {url} answered HTTP {resp.status}: {text}", resp.status
        )

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

        from kg.sparqlcheck import inspect

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
        asked = inspect(query)
        try:
            if "sparql-results+json" in ctype or ctype.startswith("application/json"):
                result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
                if isinstance(result, ox.QuerySolutions):
                    got = tuple(v.value for v in result.variables)
                    list(result)  # parsed lazily: a broken answer fails here, not in the caller
                    result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
                else:
                    got = None
            elif "n-triples" in ctype or ctype.startswith("text/plain"):
                result = got = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
            elif "turtle" in ctype:
                result = got = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
            else:
                raise StoreError(
                    f"SPARQL endpoint {self.query_url} answered with {ctype or 'no content type'},"
                    " not SPARQL results"
                )
        except (SyntaxError, ValueError) as exc:
            raise StoreError(
                f"SPARQL endpoint {self.query_url} sent an answer that does not parse:"
                f" {_printable(str(exc))}"
            ) from None
        _check_kind(self.query_url, asked, result, got)
        return result

    def update(self, update: str, **_ignored) -> None:
        """Run an update; the answer's body is not read for anything."""
        self._request(
            self.update_url,
            data=urllib.parse.urlencode({"update": update}).encode("utf-8"),
            content_type="application/x-www-form-urlencoded",
        )

    def quads_for_pattern(self, subject, predicate, object, graph_name=None) -> list[ox.Quad]:
        import pyoxigraph as ox

        terms = list(zip((subject, predicate, object), "spo", strict=True))
        s, p, o = (str(t) if t is not None else f"?{v}" for t, v in terms)
        wanted = " ".join(f"?{v}" for t, v in terms if t is None) or "*"
        if graph_name is None:
            return [q for q in self._all_quads() if _matches(q, subject, predicate, object)]
        if isinstance(graph_name, ox.DefaultGraph):
            rows = self.query(f"SELECT {wanted} WHERE {{ {s} {p} {o} }}")
        else:
            rows = self.query(f"SELECT {wanted} WHERE {{ GRAPH {graph_name} {{ {s} {p} {o} }} }}")
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
        except EndpointError as exc:
            if exc.status in (404, 405):
                self.gsp_url = None  # no Graph Store Protocol there: fall back to SPARQL
                return False
            raise
        return True

    def _all_quads(self) -> list[ox.Quad]:
        import pyoxigraph as ox

        if self.gsp_url:
            try:
                _, body = self._request(self.gsp_url, accept=NQUADS)
            except EndpointError as exc:
                if exc.status not in (404, 405):
                    raise
                self.gsp_url = None
            else:
                try:
                    return canonical_blank_nodes(ox.parse(body, format=ox.RdfFormat.N_QUADS))
                except SyntaxError as exc:
                    raise StoreError(
                        f"{self.gsp_url} sent a store dump that is not N-Quads:"
                        f" {_printable(str(exc))}"
                    ) from None
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


def _printable(text: str) -> str:
    """`text` on one line, control characters shown as escapes (it goes to a terminal)."""
    text = " ".join(text.split())
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def _check_kind(url: str, asked, result, got) -> None:
    """`StoreError` unless `result` is the kind of answer the query `asked` (a
    `kg.sparqlcheck.Request`) calls for, with the variables its SELECT projects."""
    import pyoxigraph as ox

    expected = {"SELECT": ox.QuerySolutions, "ASK": ox.QueryBoolean}.get(asked.keyword, list)
    if not isinstance(result, expected):
        kind = {ox.QuerySolutions: "solutions", ox.QueryBoolean: "a boolean"}.get(
            type(result), "triples"
        )
        raise StoreError(f"SPARQL endpoint {url} answered the {asked.keyword} query with {kind}")
    if asked.variables and set(got) != set(asked.variables):
        raise StoreError(
            f"SPARQL endpoint {url} answered with the variables {', '.join(got) or '(none)'}"
            f" where the query asked for {', '.join(asked.variables)}"
        )


def check_reachable(store: RemoteStore) -> None:
    """Raise `StoreError` unless the endpoint answers a trivial query (each failure of
    `RemoteStore._request` is one already)."""
    try:
        store.query("ASK { ?s ?p ?o }")
    except SyntaxError as exc:
        raise StoreError(f"SPARQL endpoint {store.query_url} does not answer: {exc}") from exc
