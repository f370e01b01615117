"""Analysis stage: the store projected onto a networkx graph, and analyses over it.

`project` reads every claim of the store into a `networkx.MultiDiGraph`: one node per entity
(IRI; attributes `cls`, `label_ja`, `label_en`, `aliases`, `sectors`) and one edge per claim,
keyed by the claim IRI, from subject to object, with the attributes

    relation, modality, article, title, date, sentence, confidence, claim,
    event_date, event_precision, event_text, event_source

so every edge carries its own evidence and its dates: `date` is the article's, `event_date`
the event's (at `event_precision`; `event_source` "sentence" with the words `event_text`,
or "article" when the article's date stands in). Denied claims are left out unless asked
for (a denied fact is not a fact). The analyses take such a graph and return plain data:

    central_entities   most central entities of a relation subgraph (supply by default);
                       betweenness exact up to BETWEENNESS_EXACT_MAX_NODES entities,
                       estimated from seeded samples above (and the output says so)
    exposure           entities within N hops of an export-controlled entity along supply edges
    roll_up            ownership and subsidiary chains up to the ultimate parent
    communities        Louvain communities (`seed=`)
    by_sector          entities, claims, supply and export controls per sector, and the
                       supply between sectors
    shortest_paths     shortest paths between two entities, with the evidence of every edge

`analyze` and `explain` run them on a store for the CLI; `format_*` turn results into text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kg.dates import When, Window, parse_date
from kg.errors import QueryError
from kg.graph import select
from kg.vocab import CLASSES, KG, SYMMETRIC

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

SUPPLY_RELATIONS = ("suppliesTo", "manufacturesFor")
OWNERSHIP_RELATIONS = ("subsidiaryOf", "ownedBy")  # both point from the owned to the owner
CONTROL_RELATIONS = ("restrictsExportsTo",)
FACT_MODALITIES = ("asserted", "reported", "hedged", "planned")
EDGE_ATTRIBUTES = (
    "relation", "modality", "article", "title", "date", "sentence", "confidence", "claim",
    "event_date", "event_precision", "event_text", "event_source",
)  # fmt: skip


# ----------------------------------------------------------------- projection

# Every claim with its evidence. Each property is its own subquery: Oxigraph then joins whole
# property scans by hash instead of one index lookup per claim and property. In the union
# default graph a triple comes once per named graph holding it, hence DISTINCT.
_CLAIMS = """SELECT DISTINCT ?c ?s ?p ?o ?m ?sentence ?conf ?a ?title ?date ?event ?precision
       ?words ?from WHERE {
  { SELECT ?c WHERE { ?c a kg:Claim } }
  { SELECT ?c ?s WHERE { ?c rdf:subject ?s } }
  { SELECT ?c ?p WHERE { ?c rdf:predicate ?p } }
  { SELECT ?c ?o WHERE { ?c rdf:object ?o } }
  { SELECT ?c ?m WHERE { ?c kg:modality ?m } }
  { SELECT ?c ?sentence WHERE { ?c kg:sentence ?sentence } }
  { SELECT ?c ?a WHERE { ?c prov:wasDerivedFrom ?a } }
  OPTIONAL { SELECT ?c ?conf WHERE { ?c kg:confidence ?conf } }
  OPTIONAL { SELECT ?a ?title WHERE { ?a dcterms:title ?title } }
  OPTIONAL { SELECT ?a ?date WHERE { ?a dcterms:date ?date } }
  OPTIONAL { SELECT ?c ?event WHERE { ?c kg:eventDate ?event } }
  OPTIONAL { SELECT ?c ?precision WHERE { ?c kg:eventPrecision ?precision } }
  OPTIONAL { SELECT ?c ?words WHERE { ?c kg:eventDateText ?words } }
  OPTIONAL { SELECT ?c ?from WHERE { ?c kg:eventDateSource ?from } }
}"""


def project(
    store: ox.Store,
    *,
    relations: Iterable[str] | None = None,
    modalities: Iterable[str] = FACT_MODALITIES,
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
) -> nx.MultiDiGraph:
    """The claims of `store` as a MultiDiGraph (see the module docstring).

    `relations` keeps only those relation local names; `modalities` those modalities
    (denied claims are left out by default); `since` and `until` (written dates, see
    `kg.dates.Window`) only claims of events dated in that span, `as_of` only claims of
    articles published by that day, so undated claims (articles) drop out.
    """
    import networkx as nx

    from kg.query import resolve_property

    wanted_rel = {resolve_property(r) for r in relations} if relations else None
    wanted_mod = set(modalities)
    unknown = wanted_mod - {*FACT_MODALITIES, "denied"}
    if unknown:
        raise QueryError(f"unknown modality {sorted(unknown)[0]!r}; use one of asserted, "
                         "reported, hedged, planned, denied")  # fmt: skip
    window = Window.parse(since=since, until=until, as_of=as_of)

    g = nx.MultiDiGraph()
    kg_ns = str(KG)
    edges = []
    # sorted by claim in Python afterwards (the order ORDER BY ?c gave)
    for row in select(store, _CLAIMS):
        c, s, p, o, m, sentence, conf, a, title, date, event, precision, words, source = row
        rel = p.value.removeprefix(kg_ns)
        mod = m.value.removeprefix(kg_ns)
        if wanted_rel is not None and rel not in wanted_rel:
            continue
        if mod not in wanted_mod:
            continue
        day = date.value if date is not None else None
        if window:
            published = parse_date(day) if day else None
            happened = None
            if event is not None:
                happened = When.stored(event.value, precision.value.removeprefix(kg_ns))
            if not window.keeps(happened, published):
                continue
        edges.append(dict(
            claim=c.value, s=s.value, o=o.value, relation=rel, modality=mod, article=a.value,
            title=title.value if title is not None else None, date=day, sentence=sentence.value,
            confidence=float(conf.value) if conf is not None else None,
            event_date=event.value if event is not None else None,
            event_precision=precision.value.removeprefix(kg_ns) if precision is not None else None,
            event_text=words.value if words is not None else None,
            event_source=_SOURCES.get(source.value) if source is not None else None,
        ))  # fmt: skip
    edges.sort(key=lambda e: e["claim"])
    for e in edges:
        g.add_edge(e.pop("s"), e.pop("o"), key=e["claim"], **e)
    _describe_nodes(store, g)
    return g


_SOURCES = {f"{KG}fromSentence": "sentence", f"{KG}fromArticle": "article"}


def _v(row, name: str) -> str | None:
    term = row[name]
    return term.value if term is not None else None


def _describe_nodes(store: ox.Store, g: nx.MultiDiGraph) -> None:
    """Class, Japanese and English label, aliases and tickers of every node of `g`."""
    if not g:
        return
    info: dict[str, dict] = {n: {"classes": set(), "ja": [], "en": [], "other": [], "alt": set(),
                                 "sectors": set()} for n in g.nodes}  # fmt: skip
    # one scan per property over the whole store, duplicates (one per article graph that
    # describes the entity) dropped by the engine; entities that are no node are skipped
    classes = " ".join(f"kg:{c}" for c in CLASSES)
    for r in select(
        store,
        f"""SELECT DISTINCT ?e ?k ?v WHERE {{
  {{ VALUES ?v {{ {classes} }} ?e a ?v BIND("type" AS ?k) }}
  UNION {{ ?e rdfs:label ?v BIND("label" AS ?k) }}
  UNION {{ ?e skos:altLabel|kg:ticker ?v BIND("alt" AS ?k) }}
  UNION {{ ?e kg:sector ?v BIND("sector" AS ?k) }} }}""",
    ):
        e, kind, term = r
        d = info.get(e.value)
        if d is None:
            continue
        kind = kind.value
        if kind == "type":
            d["classes"].add(term.value.removeprefix(str(KG)))
        elif kind == "sector":
            d["sectors"].add(term.value)
        elif kind == "label":
            d.get(term.language or "other", d["other"]).append(term.value)
        else:
            d["alt"].add(term.value)
    for n, d in info.items():
        cls = next((c for c in CLASSES if c in d["classes"]), "Entity")
        ja = min(d["ja"], default=None)
        en = min(d["en"], default=None)
        fallback = min(d["other"], default=None) or _local_name(n)
        labels = {x for x in (ja, en) if x}
        aliases = sorted((d["alt"] | set(d["ja"]) | set(d["en"]) | set(d["other"])) - labels)
        g.nodes[n].update(
            cls=cls, label_ja=ja or en or fallback, label_en=en or ja or fallback, aliases=aliases,
            sectors=sorted(d["sectors"]),
        )  # fmt: skip


def _local_name(iri: str) -> str:
    from urllib.parse import unquote

    return unquote(iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1])


def label(g: nx.MultiDiGraph, node: str, lang: str = "ja") -> str:
    """The node's label in `lang` (falls back to the other language, then the IRI's end)."""
    data = g.nodes[node] if node in g else {}
    return data.get(f"label_{lang}") or _local_name(node)


def relation_subgraph(g: nx.MultiDiGraph, relations: Iterable[str]) -> nx.MultiDiGraph:
    """The edges of `g` whose relation is one of `relations`, with their end nodes."""
    wanted = set(relations)
    edges = [(u, v, k) for u, v, k, rel in g.edges(keys=True, data="relation") if rel in wanted]
    return g.edge_subgraph(edges)


def simple(g: nx.MultiDiGraph, *, directed: bool = True) -> nx.Graph:
    """`g` with parallel edges merged (attribute `claims`: how many claims support an edge)."""
    import networkx as nx

    out = nx.DiGraph() if directed else nx.Graph()
    out.add_nodes_from(g.nodes(data=True))
    for u, v in g.edges():
        if out.has_edge(u, v):
            out[u][v]["claims"] += 1
        else:
            out.add_edge(u, v, claims=1)
    return out


# ----------------------------------------------------------------- centrality


# Exact betweenness costs one breadth-first search per entity (Brandes): about 5 s for a
# 2,400-entity subgraph here, 30 s for 4,300. Above BETWEENNESS_EXACT_MAX_NODES entities it is
# estimated from BETWEENNESS_SAMPLES source entities drawn with a fixed seed (networkx's `k`),
# so it is reproducible but approximate, and `format_analysis` says so.
BETWEENNESS_EXACT_MAX_NODES = 1000
BETWEENNESS_SAMPLES = 500
BETWEENNESS_SEED = 0


@dataclass(frozen=True)
class Centrality:
    entity: str
    degree: int  # distinct neighbours in the subgraph (either direction)
    out_degree: int  # distinct entities it points to (for suppliesTo: its customers)
    in_degree: int  # distinct entities pointing to it (for suppliesTo: its suppliers)
    betweenness: float  # normalised betweenness on the undirected subgraph


def betweenness_samples(nodes: int, *, exact: bool | None = None) -> int | None:
    """How many source entities the betweenness of a subgraph of `nodes` entities is
    estimated from, or None when it is computed exactly: exactly up to
    BETWEENNESS_EXACT_MAX_NODES entities (or always, with `exact=True`)."""
    if exact or (exact is None and nodes <= BETWEENNESS_EXACT_MAX_NODES):
        return None
    return min(BETWEENNESS_SAMPLES, nodes)


def central_entities(
    g: nx.MultiDiGraph,
    relations: Iterable[str] = SUPPLY_RELATIONS,
    *,
    top: int = 10,
    exact: bool | None = None,
) -> list[Centrality]:
    """The `top` entities of the `relations` subgraph by degree, then betweenness, then IRI.

    Degree counts distinct neighbours, so one fact repeated in many articles counts once.
    Betweenness is exact up to BETWEENNESS_EXACT_MAX_NODES entities in the subgraph and
    estimated from BETWEENNESS_SAMPLES seeded source entities above (see
    `betweenness_samples`); `exact=True` always computes it exactly, however long it takes.
    """
    return _central(g, relations, top=top, exact=exact)[0]


def _central(
    g: nx.MultiDiGraph, relations: Iterable[str], *, top: int, exact: bool | None
) -> tuple[list[Centrality], int | None, int]:
    """`central_entities`, the number of sampled sources (None: exact), the subgraph's size."""
    import networkx as nx

    sub = simple(relation_subgraph(g, relations))
    if not sub:
        return [], None, 0
    und = nx.Graph()  # nodes in IRI order: the seeded sample draws from the node list, whose
    und.add_nodes_from(sorted(sub.nodes))  # order otherwise follows set iteration (per run)
    und.add_edges_from(sub.to_undirected().edges)
    k = betweenness_samples(len(und), exact=exact)
    between = nx.betweenness_centrality(und, k=k, normalized=True, seed=BETWEENNESS_SEED)
    ranked = [
        Centrality(n, und.degree(n), sub.out_degree(n), sub.in_degree(n), between[n])
        for n in sub.nodes
    ]
    ranked.sort(key=lambda c: (-c.degree, -c.betweenness, c.entity))
    return ranked[:top], k, len(und)


# ----------------------------------------------------------------- exposure


@dataclass(frozen=True)
class Exposure:
    entity: str
    hops: int  # supply edges between the entity and the nearest controlled entity
    controlled: str  # that controlled entity
    path: tuple[str, ...]  # entity ... controlled, along supply edges (either direction)


def export_controlled(
    g: nx.MultiDiGraph, relations: Iterable[str] = CONTROL_RELATIONS
) -> dict[str, list[str]]:
    """Targets of export controls: entity -> the states restricting exports to it."""
    out: dict[str, set[str]] = {}
    wanted = set(relations)
    for u, v, rel in g.edges(data="relation"):
        if rel in wanted:
            out.setdefault(v, set()).add(u)
    return {t: sorted(by) for t, by in sorted(out.items())}


def exposure(
    g: nx.MultiDiGraph,
    *,
    hops: int = 2,
    relations: Iterable[str] = SUPPLY_RELATIONS,
    controlled: Iterable[str] | None = None,
) -> list[Exposure]:
    """Entities within `hops` supply edges of an export-controlled entity, nearest first.

    Supply edges are followed in both directions: a supplier of a controlled firm loses a
    customer, a customer loses a supplier. `controlled` defaults to `export_controlled(g)`;
    the controlled entities themselves are not listed. Ties between two controlled entities
    at the same distance go to the smaller IRI.
    """
    if hops < 0:
        raise QueryError(f"hops must be 0 or more, not {hops}")
    und = simple(relation_subgraph(g, relations), directed=False)
    targets = sorted(set(controlled) if controlled is not None else export_controlled(g))
    best: dict[str, Exposure] = {}
    for t in targets:
        if t not in und:
            continue
        # breadth-first search with deterministic neighbour order, so paths are reproducible
        parent: dict[str, str | None] = {t: None}
        frontier = [t]
        for depth in range(1, hops + 1):
            nxt = []
            for u in frontier:
                for w in sorted(und.neighbors(u)):
                    if w not in parent:
                        parent[w] = u
                        nxt.append(w)
            for w in nxt:
                if w in targets:
                    continue
                path = [w]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                cand = Exposure(w, depth, t, tuple(path))
                old = best.get(w)
                if old is None or (cand.hops, cand.controlled) < (old.hops, old.controlled):
                    best[w] = cand
            frontier = nxt
    return sorted(best.values(), key=lambda e: (e.hops, e.entity))


# ----------------------------------------------------------------- ownership roll-up


@dataclass(frozen=True)
class RollUp:
    entity: str
    parent: str  # the ultimate parent: an owner that nobody else owns
    chain: tuple[str, ...]  # entity, its parent, ..., the ultimate parent
    relations: tuple[str, ...]  # the relation of each step of `chain`


def roll_up(g: nx.MultiDiGraph, relations: Iterable[str] = OWNERSHIP_RELATIONS) -> list[RollUp]:
    """Every entity that has an owner or parent, rolled up to each of its ultimate parents.

    A chain follows `subsidiaryOf` and `ownedBy` edges (owned -> owner) as long as they go;
    an entity with several ultimate parents gets one roll-up for each, along the shortest
    chain to it (the first by IRI among equally short ones). An ultimate parent is an owner
    nobody owns; an ownership cycle nothing outside it owns (X owns Y owns X) has none, so
    there the chain runs to the member of the cycle farthest from the entity and stops
    before repeating an entity. An entity owned through a cycle that does lead out rolls up
    only to the parents beyond it.

    One breadth-first search per owned entity, so linear in the ownership graph per entity:
    enumerating every chain, as this once did, is exponential in the cycles of a large graph.
    """
    import networkx as nx

    wanted = set(relations)
    owners: dict[str, dict[str, str]] = {}
    for u, v, rel in sorted(g.edges(data="relation")):
        if rel in wanted and u != v:
            owners.setdefault(u, {}).setdefault(v, rel)
    ups = {u: sorted(by.items()) for u, by in owners.items()}
    # ownership cycles that nothing outside owns: entity -> its cycle
    closed: dict[str, frozenset[str]] = {}
    owner_graph = nx.DiGraph([(u, v) for u, by in owners.items() for v in by])
    for scc in nx.strongly_connected_components(owner_graph):
        if len(scc) > 1 and all(v in scc for u in scc for v in owners.get(u, ())):
            members = frozenset(scc)
            closed.update(dict.fromkeys(members, members))
    out: list[RollUp] = []
    for start in sorted(owners):
        # breadth-first, owners in IRI order: the first chain found to a node is the
        # shortest, and the first by IRI among the shortest
        step: dict[str, tuple[str, str] | None] = {start: None}
        depth = {start: 0}
        order = [start]
        for u in order:
            for o, rel in ups.get(u, ()):
                if o not in step:
                    step[o] = (u, rel)
                    depth[o] = depth[u] + 1
                    order.append(o)
        tops = [n for n in order[1:] if n not in owners]
        farthest: dict[frozenset[str], str] = {}
        for n in order:
            cycle = closed.get(n)
            if cycle is not None and (cycle not in farthest or depth[n] > depth[farthest[cycle]]):
                farthest[cycle] = n
        tops += [n for n in farthest.values() if n != start]
        for top in sorted(tops):
            chain, rels = [top], []
            while (prev := step[chain[-1]]) is not None:
                chain.append(prev[0])
                rels.append(prev[1])
            out.append(RollUp(start, top, tuple(reversed(chain)), tuple(reversed(rels))))
    return out


def groups(rollups: Iterable[RollUp]) -> dict[str, list[str]]:
    """Ultimate parent -> the entities rolled up to it."""
    out: dict[str, list[str]] = {}
    for r in rollups:
        out.setdefault(r.parent, []).append(r.entity)
    return {p: sorted(m) for p, m in sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0]))}


# ----------------------------------------------------------------- communities


def communities(
    g: nx.MultiDiGraph,
    *,
    relations: Iterable[str] | None = None,
    seed: int | None = 0,
    resolution: float = 1.0,
    min_size: int = 2,
) -> list[list[str]]:
    """Louvain communities of the undirected graph (edges weighted by claims), largest first.

    Randomised: the same `seed` gives the same communities. Communities smaller than
    `min_size` are left out.
    """
    import networkx as nx

    sub = relation_subgraph(g, relations) if relations else g
    und = simple(sub, directed=False)
    if und.number_of_edges() == 0:
        return []
    found = nx.community.louvain_communities(und, weight="claims", resolution=resolution, seed=seed)
    out = [sorted(c) for c in found if len(c) >= min_size]
    return sorted(out, key=lambda c: (-len(c), c))


# ----------------------------------------------------------------- sectors


@dataclass(frozen=True)
class SectorSummary:
    sector: str  # sector IRI (ontology/sectors.ttl)
    entities: int  # nodes of the sector
    claims: int  # claims with a node of the sector at either end
    supplies: int  # supply facts (suppliesTo, manufacturesFor) from the sector
    supplied: int  # supply facts to the sector
    controlled: int  # nodes of the sector that export controls target


def by_sector(
    g: nx.MultiDiGraph, relations: Iterable[str] = SUPPLY_RELATIONS
) -> tuple[list[SectorSummary], list[tuple[str, str, int]]]:
    """Per sector: its nodes, the claims about them, supply facts out and in and the export-
    controlled ones; and the supply facts between sectors, (supplier sector, customer
    sector, facts), most first. A node of several sectors counts in each; nodes without a
    sector (detected entities, countries, products) are left out."""
    from kg.vocab import sectors

    of = {n: g.nodes[n].get("sectors", ()) for n in g.nodes}
    supply = set(relations)
    facts = {(u, rel, v) for u, v, rel in g.edges(data="relation")}
    controlled = export_controlled(g)
    rows = []
    for s in sectors():
        members = {n for n, ss in of.items() if s.iri in ss}
        if not members:
            continue
        claims = sum(1 for u, v in g.edges() if u in members or v in members)
        out = sum(1 for u, rel, _ in facts if rel in supply and u in members)
        into = sum(1 for _, rel, v in facts if rel in supply and v in members)
        rows.append(SectorSummary(s.iri, len(members), claims, out, into,
                                  len(members & set(controlled))))  # fmt: skip
    flows: Counter[tuple[str, str]] = Counter()
    for u, rel, v in facts:
        if rel in supply:
            for a in of.get(u, ()):
                for b in of.get(v, ()):
                    flows[(a, b)] += 1
    ranked = sorted(flows.items(), key=lambda kv: (-kv[1], kv[0]))
    return rows, [(a, b, n) for (a, b), n in ranked]


# ----------------------------------------------------------------- paths


@dataclass(frozen=True)
class Evidence:
    """One claim behind an edge."""

    relation: str
    modality: str
    sentence: str
    article: str
    title: str | None
    date: str | None
    confidence: float | None
    claim: str
    event_date: str | None = None
    event_precision: str | None = None
    event_text: str | None = None
    event_source: str | None = None


@dataclass(frozen=True)
class Step:
    """One hop of a path: `source` to `target`, and every claim linking them (either way)."""

    source: str
    target: str
    evidence: tuple[tuple[str, str, Evidence], ...]  # (subject, object, claim) triples


def edge_evidence(g: nx.MultiDiGraph, a: str, b: str) -> list[tuple[str, str, Evidence]]:
    """Every claim between `a` and `b` in either direction, as (subject, object, evidence)."""
    out = []
    for s, o in ((a, b), (b, a)):
        for d in (g.get_edge_data(s, o) or {}).values():
            ev = Evidence(**{k: d.get(k) for k in EDGE_ATTRIBUTES})
            out.append((s, o, ev))
    out.sort(key=lambda x: (x[2].event_date or "", x[2].relation, x[2].article, x[2].claim))
    return out


def shortest_paths(
    g: nx.MultiDiGraph,
    source: str | Iterable[str],
    target: str | Iterable[str],
    *,
    limit: int = 5,
    relations: Iterable[str] | None = None,
) -> list[list[Step]]:
    """Up to `limit` shortest paths from `source` to `target`, ignoring edge direction.

    `source` and `target` may each be a set of nodes (all the IRIs one name may mean); the
    paths returned are the shortest between any of them. Each path is a list of steps, each
    with the evidence of every claim linking its two entities.
    """
    import networkx as nx

    sources = {source} if isinstance(source, str) else set(source)
    targets = {target} if isinstance(target, str) else set(target)
    sub = relation_subgraph(g, relations) if relations else g
    und = simple(sub, directed=False)
    sources &= set(und.nodes)
    targets &= set(und.nodes)
    if not sources or not targets:
        return []
    if sources & targets:
        return []
    # the shortest distance over all (source, target) pairs, then every path of that length
    lengths = {}
    for s in sorted(sources):
        dist = nx.single_source_shortest_path_length(und, s)
        for t in targets:
            if t in dist:
                lengths[(s, t)] = dist[t]
    if not lengths:
        return []
    best = min(lengths.values())
    paths: list[list[str]] = []
    for (s, t), n in sorted(lengths.items()):
        if n == best:
            paths += sorted(nx.all_shortest_paths(und, s, t))
    paths = paths[:limit]
    return [
        [Step(u, v, tuple(edge_evidence(sub, u, v))) for u, v in zip(p, p[1:], strict=False)]
        for p in paths
    ]


# ----------------------------------------------------------------- on a store, for the CLI


def resolve(store: ox.Store, g: nx.MultiDiGraph, name: str) -> set[str]:
    """The nodes of `g` a user may mean by `name` (any label, alias or ticker, or an IRI)."""
    from kg.query import find_entities

    return find_entities(store, name) & set(g.nodes)


def resolve_or_fail(store: ox.Store, g: nx.MultiDiGraph, name: str) -> set[str]:
    found = resolve(store, g, name)
    if not found:
        raise QueryError(
            f"no entity named {name!r} takes part in any fact; "
            "try another label, alias or ticker (`kg query` lists them)"
        )
    return found


@dataclass
class Analysis:
    """Everything `kg analyze` prints."""

    graph: nx.MultiDiGraph
    central: dict[str, list[Centrality]]  # subgraph name -> ranking
    controlled: dict[str, list[str]]
    exposed: list[Exposure]
    hops: int
    rollups: list[RollUp]
    communities: list[list[str]]
    relation_counts: dict[str, int] = field(default_factory=dict)
    # subgraph name -> (sampled sources, entities) where betweenness is estimated, not exact
    sampled: dict[str, tuple[int, int]] = field(default_factory=dict)
    # with by_sector: the summary per sector and the supply between sectors (see by_sector)
    sectors: list[SectorSummary] | None = None
    sector_flows: list[tuple[str, str, int]] = field(default_factory=list)


def analyze(
    store: ox.Store,
    *,
    top: int = 10,
    hops: int = 2,
    seed: int | None = 0,
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
    by_sectors: bool = False,
) -> Analysis:
    """Centrality of the supply subgraph (and of each supply relation), export-control
    exposure within `hops`, ownership roll-ups and communities of the store's graph (its
    claims in time: `since`, `until`, `as_of`, see `project`); with `by_sectors`, the same
    grouped by sector (`by_sector`)."""
    g = project(store, since=since, until=until, as_of=as_of)
    central: dict[str, list[Centrality]] = {}
    sampled: dict[str, tuple[int, int]] = {}
    for rels in (SUPPLY_RELATIONS, *((r,) for r in SUPPLY_RELATIONS)):
        name = "+".join(rels)
        central[name], k, size = _central(g, rels, top=top, exact=None)
        if k is not None:
            sampled[name] = (k, size)
    sector_rows, flows = by_sector(g) if by_sectors else (None, [])
    return Analysis(
        graph=g,
        central=central,
        controlled=export_controlled(g),
        exposed=exposure(g, hops=hops),
        hops=hops,
        rollups=roll_up(g),
        communities=communities(g, seed=seed),
        relation_counts=dict(Counter(r for _, _, r in g.edges(data="relation"))),
        sampled=sampled,
        sectors=sector_rows,
        sector_flows=flows,
    )


def explain(
    store: ox.Store,
    a: str,
    b: str,
    *,
    limit: int = 5,
    relations: Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
) -> tuple[nx.MultiDiGraph, list[list[Step]]]:
    """The projection (claims in time: `since`, `until`, `as_of`, see `project`) and the
    shortest paths between the entities named `a` and `b`."""
    g = project(store, relations=relations, since=since, until=until, as_of=as_of)
    sources, targets = resolve_or_fail(store, g, a), resolve_or_fail(store, g, b)
    if sources & targets:
        raise QueryError(f"{a!r} and {b!r} name the same entity; name two different ones")
    return g, shortest_paths(g, sources, targets, limit=limit)


# ----------------------------------------------------------------- text


def records(g: nx.MultiDiGraph, items: Iterable, *, lang: str = "ja") -> list[dict]:
    """Result dataclasses as dicts with every entity IRI replaced by its label (for tables)."""
    from dataclasses import asdict

    def show(value):
        if isinstance(value, str) and value in g:
            return label(g, value, lang)
        if isinstance(value, tuple | list):
            return " - ".join(str(show(v)) for v in value)
        return value

    return [{k: show(v) for k, v in asdict(item).items()} for item in items]


def _name(g: nx.MultiDiGraph, n: str) -> str:
    ja, en = label(g, n, "ja"), label(g, n, "en")
    return ja if ja == en else f"{ja} ({en})"


def format_analysis(an: Analysis) -> str:
    from kg.query import table

    g = an.graph
    out = [f"graph: {g.number_of_nodes()} entities, {g.number_of_edges()} claims (not denied)"]
    for name, ranking in an.central.items():
        out += ["", f"most central entities, {name} edges"]
        if not ranking:
            out.append("  (no such edges)")
            continue
        if name in an.sampled:
            k, size = an.sampled[name]
            out.append(
                f"  betweenness approximate: estimated from {k} of {size} entities "
                f"(seed {BETWEENNESS_SEED}; exact up to {BETWEENNESS_EXACT_MAX_NODES})"
            )
        out.append(table(
            ["entity", "degree", "out", "in", "betweenness"],
            [[_name(g, c.entity), str(c.degree), str(c.out_degree), str(c.in_degree),
              f"{c.betweenness:.3f}"] for c in ranking],
        ))  # fmt: skip
    out += ["", "export-controlled entities (restrictsExportsTo targets)"]
    if an.controlled:
        out.append(table(
            ["entity", "restricted by"],
            [[_name(g, t), ", ".join(label(g, s) for s in by)] for t, by in an.controlled.items()],
        ))  # fmt: skip
    else:
        out.append("  (none)")
    out += ["", f"exposure: entities within {an.hops} supply hops of a controlled entity"]
    if an.exposed:
        out.append(table(
            ["entity", "hops", "controlled", "path"],
            [[_name(g, e.entity), str(e.hops), label(g, e.controlled),
              " - ".join(label(g, n) for n in e.path)] for e in an.exposed],
        ))  # fmt: skip
    else:
        out.append("  (none)")
    out += ["", "ownership roll-up (subsidiaryOf / ownedBy chains to the ultimate parent)"]
    if an.rollups:
        out.append(_rollup_table(g, an.rollups))
    else:
        out.append("  (none)")
    out += ["", "communities (Louvain)"]
    if an.communities:
        for i, c in enumerate(an.communities, 1):
            out.append(f"  {i:>2}. ({len(c)}) " + ", ".join(label(g, n) for n in c))
    else:
        out.append("  (none)")
    if an.sectors is not None:
        out += _sector_text(an)
    return "\n".join(out)


def _sector_text(an: Analysis) -> list[str]:
    from kg.query import table
    from kg.vocab import sectors

    name = {s.iri: s.notation for s in sectors()}
    out = ["", "by sector (entities with a sector in the gazetteer)"]
    if not an.sectors:
        return [*out, "  (none)"]
    out.append(table(
        ["sector", "entities", "claims", "supplies", "supplied", "export-controlled"],
        [[name.get(r.sector, r.sector), str(r.entities), str(r.claims), str(r.supplies),
          str(r.supplied), str(r.controlled)] for r in an.sectors],
    ))  # fmt: skip
    out += ["", "supply between sectors (suppliesTo, manufacturesFor facts)"]
    if an.sector_flows:
        out.append(table(["supplier sector", "customer sector", "facts"],
                         [[name.get(a, a), name.get(b, b), str(n)]
                          for a, b, n in an.sector_flows]))  # fmt: skip
    else:
        out.append("  (none)")
    return out


def _rollup_table(g: nx.MultiDiGraph, rollups: list[RollUp]) -> str:
    """The roll-up table, as `kg.query.table` sets it, with the width of every cell summed
    from the widths of its labels: there may be hundreds of thousands of long chains."""
    from kg.query import _width

    widths: dict[str, int] = {}
    names: dict[str, tuple[str, int]] = {}
    labels: dict[str, tuple[str, int]] = {}

    def width(text: str) -> int:
        w = widths.get(text)
        if w is None:
            w = widths[text] = _width(text)
        return w

    def name(n: str) -> tuple[str, int]:
        if n not in names:
            text = _name(g, n)
            names[n] = (text, width(text))
        return names[n]

    def lab(n: str) -> tuple[str, int]:
        if n not in labels:
            text = label(g, n)
            labels[n] = (text, width(text))
        return labels[n]

    steps: dict[tuple[str, str], tuple[str, int]] = {}

    def step(n: str, rel: str) -> tuple[str, int]:
        found = steps.get((n, rel))
        if found is None:
            text, w = lab(n)
            found = steps[(n, rel)] = (f"{text} -{rel}->", w + width(rel) + 4)
        return found

    rows = []
    for r in rollups:
        parts = [step(n, rel) for n, rel in zip(r.chain, r.relations, strict=False)]
        top = lab(r.parent)
        # "label -rel->" steps joined by spaces, then " parent"
        chain = " ".join([t for t, _ in parts]) + " " + top[0]
        chain_width = sum([w for _, w in parts]) + len(parts) + top[1]
        rows.append((name(r.entity), top, (chain, chain_width)))
    headers = ["entity", "ultimate parent", "chain"]
    cols = [width(h) for h in headers]
    for row in rows:
        cols = [max(c, w) for c, (_, w) in zip(cols, row, strict=True)]
    lines = ["  ".join(h + " " * (c - width(h)) for h, c in zip(headers, cols, strict=True))]
    lines[0] = lines[0].rstrip()
    lines.append("  ".join("-" * c for c in cols))
    lines += [
        "  ".join(t + " " * (c - w) for (t, w), c in zip(row, cols, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


def when(ev: Evidence) -> str | None:
    """A claim's event date for people: ``2023-12 (昨年末)``, or the article's date."""
    if ev.event_text:
        return f"{ev.event_date or '?'} ({ev.event_text})"
    return ev.event_date


def format_paths(g: nx.MultiDiGraph, paths: list[list[Step]]) -> str:
    out = []
    for i, path in enumerate(paths, 1):
        names = [path[0].source] + [s.target for s in path]
        out.append(f"path {i} ({len(path)} hop{'s' if len(path) != 1 else ''}): "
                   + " - ".join(label(g, n) for n in names))  # fmt: skip
        for step in path:
            out.append(f"  {label(g, step.source)} - {label(g, step.target)}")
            for s, o, ev in step.evidence:
                arrow = "--" if ev.relation in SYMMETRIC else "->"
                where = " ".join(x for x in (when(ev), ev.title or ev.article) if x)
                out.append(f"    {label(g, s)} {ev.relation} {arrow} {label(g, o)}"
                           f"  [{ev.modality}]  {where}")  # fmt: skip
                out.append(f"      「{ev.sentence}」")
    return "\n".join(out)
