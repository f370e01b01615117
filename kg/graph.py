"""Graph stage: articles, entities and facts -> one named graph per article in Oxigraph.

The store directory (`--store DIR`, env `KG_STORE`, default `.kg/store`) holds two things:

    DIR/oxigraph/      the Oxigraph (RocksDB) store
    DIR/parse-cache/   parsed sentences (kg.parse.ParseCache)

Each article is one named graph whose IRI is the article IRI. It holds the article's
metadata, a direct triple for every fact that is not denied, a claim node (RDF reification
plus PROV-O) for every fact, and the description of every entity the article mentions, so
that replacing or removing an article is replacing or dropping exactly one graph. The
ontology (ontology/kg.ttl, with the sectors of ontology/sectors.ttl) is kept in the graph
`kg.vocab.ONTOLOGY_GRAPH`; official lists have graphs of their own (kg/lists.py).

Writes go through pyoxigraph directly: one SPARQL UPDATE per article, which Oxigraph runs as
one transaction (see `write_article`). Reads for users and notebooks can go through rdflib
with `open_dataset`, backed by oxrdflib on the same store.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from kg.errors import StoreError
from kg.vocab import (
    ART,
    CLAIM,
    DCTERMS,
    KG,
    LIST,
    ONTOLOGY_FILES,
    ONTOLOGY_GRAPH,
    OWL,
    PROV,
    RDF,
    RDFS,
    SECTOR,
    SKOS,
    XSD,
)

if TYPE_CHECKING:
    import pyoxigraph as ox
    import rdflib

    from kg.corpus import Article
    from kg.dates import DateMention, EventDate, When
    from kg.entities import ArticleEntities, Entity
    from kg.relations import Fact

VERSION = "kg.graph.v2"
STORE_ENV = "KG_STORE"
DEFAULT_STORE = Path(".kg") / "store"
OXIGRAPH_DIR = "oxigraph"
PARSE_CACHE_DIR = "parse-cache"

PREFIXES = {
    "kg": str(KG),
    "kge": "https://w3id.org/chipkg/entity/",
    "art": str(ART),
    "claim": str(CLAIM),
    "wd": "http://www.wikidata.org/entity/",
    "sector": str(SECTOR),
    "list": str(LIST),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
}
SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


# ----------------------------------------------------------------- where the store lives


def store_dir(path: str | os.PathLike | None = None) -> Path:
    """The store directory: `path`, else env KG_STORE, else `.kg/store` in the current dir."""
    if path:
        return Path(path)
    env = os.environ.get(STORE_ENV)
    return Path(env) if env else DEFAULT_STORE


def parse_cache_dir(directory: str | os.PathLike | None = None) -> Path:
    from kg.remote import as_remote

    if as_remote(directory) is not None:  # a SPARQL endpoint: cache parses locally
        return DEFAULT_STORE.parent / PARSE_CACHE_DIR
    return store_dir(directory) / PARSE_CACHE_DIR


# pyoxigraph (RocksDB) refuses to open one directory twice in a process, so every opener
# shares one `Store` per directory.
_OPEN: dict[Path, ox.Store] = {}


def open_store(
    directory: str | os.PathLike | None = None, *, create: bool = True, read_only: bool = False
) -> ox.Store:
    """The pyoxigraph store under `directory` (see `store_dir`), opened once per process.

    With `create=False` a missing store is a `StoreError` telling the user to build first.
    `directory` may also be a SPARQL endpoint URL or a `kg.remote.RemoteStore`, which is
    returned in place of a pyoxigraph store (see kg/remote.py). With `read_only=True` the
    store is read as it is at that moment, and any number of processes (notebooks) may do so
    while another builds it.
    """
    import pyoxigraph as ox

    from kg.remote import as_remote, check_reachable

    remote = as_remote(directory)
    if remote is not None:
        if not create:
            check_reachable(remote)
        return remote
    root = store_dir(directory)
    path = (root / OXIGRAPH_DIR).resolve()
    if path in _OPEN:
        return _OPEN[path]
    if (read_only or not create) and not path.is_dir():
        raise StoreError(f"no store at {root}: run `kg build` first or pass --store DIR")
    if read_only:
        try:
            return ox.Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot read store {root}: {exc}") from exc
    try:
        path.mkdir(parents=True, exist_ok=True)
        store = ox.Store(str(path))
    except OSError as exc:
        if "lock" in str(exc).lower():
            from kg.errors import StoreBusyError
            from kg.storelock import busy_message, holder

            who = holder(root)
            if who is not None and who[0] != os.getpid():  # else another process opened it
                raise StoreBusyError(busy_message(root, who[0] or None, who[1])) from exc
            raise StoreError(
                f"store {root} is in use by another process ({exc}); wait for it to finish"
            ) from exc
        raise StoreError(f"cannot open store {root}: {exc}") from exc
    _OPEN[path] = store
    return store


def close_store(directory: str | os.PathLike | None = None) -> None:
    """Forget (and so close, once unreferenced) the store under `directory`."""
    path = (store_dir(directory) / OXIGRAPH_DIR).resolve()
    store = _OPEN.pop(path, None)
    if store is not None:
        store.flush()


def open_dataset(directory: str | os.PathLike | None = None) -> rdflib.Dataset:
    """The store as an rdflib `Dataset` (oxrdflib), for reading from Python and notebooks.

    Write with `write_article`, not through the Dataset: oxrdflib adds triples one at a
    time, outside any transaction.
    """
    from oxrdflib import OxigraphStore
    from rdflib import Dataset

    from kg.remote import as_remote

    if as_remote(directory) is not None:
        raise StoreError("open_dataset reads a local store; for an endpoint use SPARQLStore")
    ds = Dataset(store=OxigraphStore(store=open_store(directory, create=False)))
    for prefix, iri in PREFIXES.items():
        ds.bind(prefix, iri, override=True)
    return ds


# ----------------------------------------------------------------- IRIs


def article_iri(key: str) -> str:
    """IRI of an article (and of its graph): ART + the percent-encoded article key."""
    return f"{ART}{quote(key, safe='/')}"


def article_key(iri: str) -> str:
    return unquote(iri.removeprefix(str(ART)))


def claim_iri(key: str, fact: Fact) -> str:
    payload = "\n".join([key, fact.s, fact.p, fact.o, str(fact.char_start), str(fact.char_end)])
    return f"{CLAIM}{hashlib.sha1(payload.encode('utf-8')).hexdigest()}"


def corpus_root_name(root: str | os.PathLike) -> str:
    """How a corpus root is recorded: relative to the current directory when inside it."""
    path = Path(root).resolve()
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return path.as_posix()


# ----------------------------------------------------------------- building quads


def _nn(iri: str) -> ox.NamedNode:
    import pyoxigraph as ox

    return ox.NamedNode(str(iri))


def _lit(value: str, *, lang: str | None = None, datatype: str | None = None) -> ox.Literal:
    import pyoxigraph as ox

    if lang:
        return ox.Literal(value, language=lang)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(str(datatype)))
    return ox.Literal(value)


def _iri_or_none(value: str | None) -> ox.NamedNode | None:
    import pyoxigraph as ox

    if not value:
        return None
    try:
        return ox.NamedNode(value)
    except ValueError:
        return None


def _decimal(x: float) -> str:
    return format(Decimal(repr(round(float(x), 4))).normalize(), "f")


def dedupe_facts(key: str, facts: Iterable[Fact]) -> dict[str, Fact]:
    """Facts by claim IRI; of two facts with one claim IRI the more confident one wins."""
    out: dict[str, Fact] = {}
    for fact in facts:
        iri = claim_iri(key, fact)
        if iri not in out or fact.confidence > out[iri].confidence:
            out[iri] = fact
    return out


def article_quads(
    article: Article,
    entities: ArticleEntities,
    facts: Sequence[Fact],
    *,
    extractor: str,
    root: str | None = None,
) -> list[ox.Quad]:
    """Every quad of one article's graph, sorted (so the update text is deterministic)."""
    import pyoxigraph as ox

    from kg.dates import date_mentions, parse_date
    from kg.entities import MINTED, load_gazetteer

    a_iri = article_iri(article.key)
    g = _nn(a_iri)
    art = _nn(a_iri)
    triples: set[tuple] = set()

    def add(s, p, o) -> None:
        triples.add((s, _nn(p), o))

    add(art, RDF.type, _nn(KG.Article))
    add(art, DCTERMS.source, _lit(article.path))
    if article.title:
        add(art, DCTERMS.title, _lit(article.title))
    if article.date:
        when = parse_date(article.date)
        add(art, DCTERMS.date, _lit(when.value, datatype=when.datatype))
    if article.source:
        add(art, DCTERMS.publisher, _lit(article.source))
    if root:
        add(art, DCTERMS.isPartOf, _lit(root))
    add(art, KG.contentHash, _lit(article.content_hash))
    add(art, KG.extractor, _lit(extractor))
    url = _iri_or_none(article.url)
    if url is not None:
        add(art, PROV.wasDerivedFrom, url)

    known: dict[str, Entity] = dict(entities.entities)
    gaz = None
    for fact in facts:
        for iri in (fact.s, fact.o):
            if iri not in known:
                gaz = gaz or load_gazetteer()
                if iri in gaz.entities:
                    known[iri] = gaz.entities[iri]
    # the country the article gives a detected entity: its basedIn facts to a country
    nationality: dict[str, set[str]] = {}
    for fact in facts:
        target = known.get(fact.o)
        if fact.p == "basedIn" and fact.modality != "denied" and target and target.cls == "Country":
            nationality.setdefault(fact.s, set()).add(fact.o)
    for iri, ent in known.items():
        e = _nn(iri)
        add(e, RDF.type, _nn(KG[ent.cls]))
        labels = {x for x in (ent.label_ja, ent.label_en) if x}
        if ent.label_ja:
            add(e, RDFS.label, _lit(ent.label_ja, lang="ja"))
        if ent.label_en:
            add(e, RDFS.label, _lit(ent.label_en, lang="en"))
        for alias in {*ent.aliases, *entities.surface.get(iri, ())} - labels:
            add(e, SKOS.altLabel, _lit(alias))
        for ticker in ent.tickers:
            add(e, KG.ticker, _lit(ticker))
        same = _iri_or_none(ent.same_as)
        if same is not None:
            add(e, OWL.sameAs, same)
        home = _iri_or_none(ent.home_country)
        if home is not None:
            add(e, KG.homeCountry, home)
        for sector in ent.sectors:
            add(e, KG.sector, _nn(sector))
        if iri.startswith(MINTED):  # found in the text, not in the gazetteer
            add(e, KG.detected, _lit("true", datatype=XSD.boolean))
            if iri in entities.examples:
                add(e, KG.exampleSentence, _lit(entities.examples[iri]))
            for country in nationality.get(iri, ()):
                add(e, KG.homeCountry, _nn(country))
        add(e, KG.mentionedIn, art)

    published = parse_date(article.date) if article.date else None
    in_text: list[DateMention] | None = None
    for c_iri, fact in dedupe_facts(article.key, facts).items():
        if in_text is None:
            in_text = date_mentions(article.text, published)
        when = claim_date(fact, article.text, published, in_text)
        s, p, o = _nn(fact.s), _nn(KG[fact.p]), _nn(fact.o)
        if fact.modality != "denied":
            triples.add((s, p, o))
        c = _nn(c_iri)
        add(c, RDF.type, _nn(KG.Claim))
        add(c, RDF.type, _nn(RDF.Statement))
        add(c, RDF.subject, s)
        add(c, RDF.predicate, p)
        add(c, RDF.object, o)
        add(c, KG.modality, _nn(KG[fact.modality]))
        add(c, KG.sentence, _lit(fact.sentence))
        add(c, KG.charStart, _lit(str(fact.char_start), datatype=XSD.integer))
        add(c, KG.charEnd, _lit(str(fact.char_end), datatype=XSD.integer))
        add(c, KG.subjectText, _lit(fact.s_text))
        add(c, KG.objectText, _lit(fact.o_text))
        add(c, KG.cue, _lit(fact.cue))
        add(c, KG.rule, _lit(fact.rule))
        add(c, KG.confidence, _lit(_decimal(fact.confidence), datatype=XSD.decimal))
        if fact.reported_by:
            add(c, KG.reportedBy, _lit(fact.reported_by))
        if when is not None:
            add(c, KG.eventDateSource, _nn(KG[DATE_SOURCES[when.source]]))
            if when.text:
                add(c, KG.eventDateText, _lit(when.text))
            if when.when is not None:
                add(c, KG.eventDate, _lit(when.when.value, datatype=when.when.datatype))
                add(c, KG.eventPrecision, _nn(KG[when.when.precision]))
                add(c, KG.eventStart, _lit(when.when.start.isoformat(), datatype=XSD.date))
                add(c, KG.eventEnd, _lit(when.when.end.isoformat(), datatype=XSD.date))
        add(c, PROV.wasDerivedFrom, art)
    quads = [ox.Quad(s, p, o, g) for s, p, o in triples]
    quads.sort(key=str)
    return quads


DATE_SOURCES = {"sentence": "fromSentence", "article": "fromArticle"}
"""`kg.dates.EventDate.source` -> the kg: individual recorded as kg:eventDateSource."""


def claim_date(
    fact: Fact, text: str, published: When | None, in_text: list[DateMention]
) -> EventDate | None:
    """The event date of a claim (`kg.dates.event_date`), from the date expressions of the
    article text `in_text` that lie in the claim's sentence, when the sentence is where its
    offsets say (else from the sentence alone)."""
    from kg.dates import DateMention, event_date

    start, end = fact.char_start, fact.char_end
    mentions = None
    if text[start:end] == fact.sentence:
        mentions = [
            DateMention(m.text, m.start - start, m.end - start, m.when)
            for m in in_text
            if start <= m.start and m.end <= end
        ]
    return event_date(fact.sentence, published, (fact.s_text, fact.o_text), mentions)


# ----------------------------------------------------------------- writing


def write_article(
    store: ox.Store, graph: str, quads: Sequence[ox.Quad], *, new: bool = False
) -> None:
    """Replace the graph `graph` by `quads` in one atomic step.

    pyoxigraph 0.5 documents `Store.update` as transactional ("either the full operation
    succeeds, or nothing is written"), and an update request of several operations
    (`DROP ... ; INSERT DATA ...`) is evaluated inside that one transaction, so readers see
    the old graph or the new one, never an empty or half-written graph. Article graphs
    contain no blank nodes, so INSERT DATA reproduces them exactly. With `new=True` (the
    caller knows the store has no such graph) the quads go in with `Store.extend`, also
    one transaction and about twice as fast as an update to parse.
    """
    import pyoxigraph as ox

    if new and isinstance(store, ox.Store):
        _graph_node(graph, quads)
        try:
            store.extend(quads)
        except OSError as exc:
            raise StoreError(f"cannot write graph <{graph}>: {exc}") from exc
        return
    replace_graphs(store, {graph: quads})


def replace_graphs(store: ox.Store, graphs: dict[str, Sequence[ox.Quad]]) -> None:
    """Replace each graph of `graphs` by its quads, all in one atomic update (see
    `write_article`); a graph given no quads is dropped."""
    parts = []
    for graph, quads in graphs.items():
        g = _graph_node(graph, quads)
        parts.append(f"DROP SILENT GRAPH {g}")
        if quads:
            body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
            parts.append(f"INSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}")
    if not parts:
        return
    names = ", ".join(f"<{g}>" for g in graphs)
    try:
        store.update(" ;\n".join(parts))
    except (OSError, SyntaxError) as exc:
        raise StoreError(f"cannot write graph {names}: {exc}") from exc


def _graph_node(graph: str, quads: Sequence[ox.Quad]) -> ox.NamedNode:
    """The graph's IRI as a node (serialized by pyoxigraph: no text of ours reaches an
    update), after checking that every quad is in that graph."""
    import pyoxigraph as ox

    try:
        g = ox.NamedNode(graph)
    except ValueError as exc:
        raise StoreError(f"cannot write graph {graph!r}: not an IRI ({exc})") from None
    if any(q.graph_name != g for q in quads):
        raise StoreError(f"cannot write graph <{graph}>: quads of another graph given")
    return g


LOAD_FORMATS = {".nq": "N_QUADS", ".nquads": "N_QUADS", ".trig": "TRIG"}


def load_dump(directory: str | os.PathLike | None, files: Sequence[str | os.PathLike]) -> int:
    """Bulk-load N-Quads/TriG files (e.g. `kg export` output) into a new store; the quads read.

    pyoxigraph's bulk loader is several times faster than transactions but not atomic, so
    it writes into a fresh directory next to the store, which is renamed into place only
    when every file has loaded: a failed or killed load leaves no store (or the empty one
    that was there). The store must hold no quads yet; the ontology graph is written after
    the dump when the dump has none. Article graphs keep their content hashes, so a later
    `kg build` over the same corpus rebuilds nothing.
    """
    import shutil

    import pyoxigraph as ox

    from kg.storelock import build_lock
    from kg.vocab import ontology_dir

    root = store_dir(directory)
    paths = [Path(f) for f in files]
    for f in paths:
        if LOAD_FORMATS.get(f.suffix.lower()) is None:
            raise StoreError(f"{f}: not N-Quads (.nq) or TriG (.trig); export with `kg export`")
        if not f.is_file():
            raise StoreError(f"{f}: no such file")
    with build_lock(root):
        target = root / OXIGRAPH_DIR
        if target.is_dir() and any(target.iterdir()):
            current = open_store(root)
            if len(current) > 0:
                raise StoreError(
                    f"store {root} is not empty: load into a new --store directory"
                    " (or delete this one)"
                )
            close_store(root)
            del current
        staging = root / f"{OXIGRAPH_DIR}.loading-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            store = ox.Store(str(staging))
            for f in paths:
                fmt = getattr(ox.RdfFormat, LOAD_FORMATS[f.suffix.lower()])
                try:
                    store.bulk_load(path=str(f), format=fmt)
                except (SyntaxError, ValueError, OSError) as exc:
                    raise StoreError(f"{f}: cannot load: {exc}") from None
            write_ontology(store, ontology_dir() / "kg.ttl")
            n = len(store)
            store.flush()
            del store
            shutil.rmtree(target, ignore_errors=True)
            staging.rename(target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return n


def remove_article(store: ox.Store, graph: str) -> None:
    """Drop one article graph (one atomic update)."""
    try:
        store.update(f"DROP SILENT GRAPH <{graph}>")
    except OSError as exc:
        raise StoreError(f"cannot remove graph <{graph}>: {exc}") from exc


def ontology_quads(path: str | os.PathLike) -> list[ox.Quad]:
    """ontology/kg.ttl (`path`), with the other `ONTOLOGY_FILES` beside it (the sectors), as
    quads in the ontology graph, blank nodes named canonically.

    Canonical blank-node labels (rdflib.compare) make the export of two stores built from
    the same ontology byte-identical.
    """
    import pyoxigraph as ox
    from rdflib import BNode, Graph, Literal
    from rdflib.compare import to_canonical_graph

    source = Graph().parse(str(path), format="turtle")
    for name in ONTOLOGY_FILES:
        other = Path(path).parent / name
        if other.name != Path(path).name and other.is_file():
            source.parse(str(other), format="turtle")
    g = to_canonical_graph(source)

    def term(t):
        if isinstance(t, BNode):
            return ox.BlankNode(str(t))
        if isinstance(t, Literal):
            if t.language:
                return ox.Literal(str(t), language=t.language)
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype or XSD.string)))
        return ox.NamedNode(str(t))

    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    return sorted((ox.Quad(term(s), term(p), term(o), graph) for s, p, o in g), key=str)


def write_ontology(store: ox.Store, path: str | os.PathLike) -> bool:
    """Load ontology/kg.ttl (and the sectors, see `ontology_quads`) into the ontology graph
    when it differs; True if it was written.

    Blank nodes (the owl:oneOf lists) cannot keep their labels through SPARQL INSERT DATA,
    so this is DROP then `Store.extend` (itself one transaction): two steps, taken only
    when the ontology file changed.
    """
    import pyoxigraph as ox

    quads = ontology_quads(path)
    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    current = sorted(store.quads_for_pattern(None, None, None, graph), key=str)
    if [str(q) for q in current] == [str(q) for q in quads]:
        return False
    try:
        store.update(f"DROP SILENT GRAPH <{ONTOLOGY_GRAPH}>")
        store.extend(quads)
    except OSError as exc:
        raise StoreError(f"cannot write the ontology graph: {exc}") from exc
    return True


# ----------------------------------------------------------------- reading


@dataclass(frozen=True)
class StoredArticle:
    """What the store says about one article graph (enough to decide on a rebuild)."""

    key: str
    graph: str
    content_hash: str | None
    extractor: str | None
    root: str | None


def stored_articles(store: ox.Store) -> dict[str, StoredArticle]:
    """Every article graph in the store, by article key."""
    q = (
        SPARQL_PREFIXES
        + """SELECT ?g ?hash ?ext ?root WHERE {
  GRAPH ?g { ?g a kg:Article .
    OPTIONAL { ?g kg:contentHash ?hash } OPTIONAL { ?g kg:extractor ?ext }
    OPTIONAL { ?g dcterms:isPartOf ?root } } }"""
    )
    out: dict[str, StoredArticle] = {}
    for row in store.query(q):
        g = row["g"].value
        key = article_key(g)
        out[key] = StoredArticle(
            key=key,
            graph=g,
            content_hash=row["hash"].value if row["hash"] else None,
            extractor=row["ext"].value if row["ext"] else None,
            root=row["root"].value if row["root"] else None,
        )
    return out


def select(store: ox.Store, body: str) -> list:
    """The solutions of a SELECT query (prefixes of `PREFIXES` declared) over the union of
    the graphs, as a list."""
    return list(store.query(SPARQL_PREFIXES + body, use_default_graph_as_union=True))


def count(store: ox.Store, where: str) -> int:
    """COUNT(*) of the solutions of a WHERE clause over the union of graphs."""
    q = f"{SPARQL_PREFIXES}SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"
    row = next(iter(store.query(q, use_default_graph_as_union=True)))
    return int(row["n"].value)


def relation_values() -> str:
    from kg.vocab import relations

    return " ".join(f"kg:{r}" for r in relations())


def totals(store: ox.Store) -> dict[str, int]:
    """Articles, entities, distinct facts and claims in the store."""
    return {
        "articles": count(store, "?a a kg:Article"),
        "entities": count(store, "SELECT DISTINCT ?e WHERE { ?e kg:mentionedIn ?a }"),
        "facts": count(
            store,
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {relation_values()} }} ?s ?p ?o }}",
        ),
        "claims": count(store, "?c a kg:Claim"),
    }


# ----------------------------------------------------------------- export

EXPORT_FORMATS = ("nquads", "trig", "turtle", "jsonld")


def export(store: ox.Store, fmt: str = "nquads") -> bytes:
    """Serialize the store: N-Quads (sorted lines), TriG, JSON-LD, or Turtle (union graph)."""
    import pyoxigraph as ox

    if fmt == "nquads":
        data = store.dump(format=ox.RdfFormat.N_QUADS)
        lines = sorted(set(data.decode("utf-8").splitlines()))
        return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
    if fmt == "trig":
        return store.dump(format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
    if fmt == "jsonld":
        return store.dump(format=ox.RdfFormat.JSON_LD)
    if fmt == "turtle":
        union = ox.Store()
        union.extend(ox.Quad(q.subject, q.predicate, q.object) for q in store)
        return union.dump(
            format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(), prefixes=PREFIXES
        )
    raise StoreError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
