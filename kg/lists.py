"""Official lists beside the news: `kg lists import`, and links from graph entities to entries.

Two layouts are read, told apart by their header line:

- the Consolidated Screening List of trade.gov (CSV; columns `_id`, `source`, `name`,
  `alt_names`, `addresses`, `federal_register_notice`, `start_date`, ...): every official list
  it merges (its `source` column, e.g. "Entity List (EL) - Bureau of Industry and
  Security") becomes a list of its own, named by the abbreviation in brackets (`EL`);
- the Entity List table (TSV; columns `name`, `aliases`, `country`, `address`,
  `federal_register`, `listed_date`, `source_row_id`): the list `EL`.

Each list is a named graph, `list:ID`, holding the list and its entries (name as rdfs:label,
aliases as skos:altLabel, country, Federal Register citation, listing date). A file is read
and checked whole before anything is written, and all its lists are written in one
transaction: a bad file changes nothing. Importing a list again replaces it.

Links: a graph organisation is linked to an entry (`kg:listedAs`, in the graph
`list:ID/links`) when one of its names equals a name of the entry (its name, the bracketed
abbreviation closing it, or an alias) after `match_key` (case, punctuation and legal forms
such as "Co., Ltd." set aside), and every name that matches points to one and the same
entry. An organisation whose names match two entries is not linked: the match is recorded
as ambiguous. A key of three characters links only a gazetteer entity; shorter keys never
link. Every match is a `kg:ListMatch` node with its reason, shown by `kg lists links`.
Links are recomputed after every import and every build, so they follow the entities of
the store. Countries, places, products and technologies are never matched.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import ListError
from kg.graph import replace_graphs, select
from kg.vocab import DCTERMS, KG, LIST, RDF, RDFS, SKOS, XSD

if TYPE_CHECKING:
    import pyoxigraph as ox

CSL_COLUMNS = ("_id", "source", "name", "alt_names", "addresses", "federal_register_notice",
               "start_date")  # fmt: skip
TSV_COLUMNS = ("name", "aliases", "country", "address", "federal_register", "listed_date",
               "source_row_id")  # fmt: skip
ENTITY_LIST = ("EL", "Entity List", "Bureau of Industry and Security")
LEGAL_FORMS = frozenset(
    "co ltd limited inc incorporated corp corporation company llc plc gmbh ag sa bv nv pte "
    "jsc ojsc pjsc oao zao kk".split()
)
REASONS = ("name", "abbreviation", "alias")  # why a key belongs to an entry, best first
MIN_KEY = 3  # shortest match key that links; a key of MIN_KEY characters, only a gazetteer entity


@dataclass(frozen=True)
class ListEntry:
    """One entry of an official list, as the file gives it."""

    key: str  # stable within its list: the CSL `_id`, or a hash of name, country and address
    name: str
    aliases: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # ISO codes
    address: str = ""
    citation: str = ""
    listed: str | None = None  # YYYY-MM-DD


@dataclass
class OfficialList:
    """A list read from a file: its id (EL), label, publisher and entries."""

    id: str
    label: str
    publisher: str
    source: str  # the file it was read from
    entries: dict[str, ListEntry] = field(default_factory=dict)

    @property
    def iri(self) -> str:
        return list_iri(self.id)


def list_iri(list_id: str) -> str:
    return f"{LIST}{list_id}"


def links_iri(list_id: str) -> str:
    return f"{LIST}{list_id}/links"


# ----------------------------------------------------------------- reading files


def read_lists(path: str | Path) -> list[OfficialList]:
    """The lists of one file (CSL CSV or Entity List TSV), checked whole: any bad line is a
    `ListError` naming the file and line."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ListError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ListError(
            f"{path}:{line}: not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None
    if "\0" in text:
        line = text[: text.index("\0")].count("\n") + 1
        raise ListError(f"{path}:{line}: a NUL byte; this is not a text list")
    first = text.split("\n", 1)[0].rstrip("\r")
    if first.split("\t") == list(TSV_COLUMNS):
        return [_read_tsv(path, text)]
    header = next(csv.reader([first]), [])
    if set(CSL_COLUMNS) <= set(header):
        return _read_csl(path, text)
    raise ListError(
        f"{path}:1: not a list layout kg reads: expected the trade.gov Consolidated Screening "
        f"List CSV (columns {', '.join(CSL_COLUMNS)}, ...) or the Entity List TSV (columns "
        f"{', '.join(TSV_COLUMNS)})"
    )


def _date(path: Path, line: int, value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ListError(f"{path}:{line}: date {value!r} is not YYYY-MM-DD") from None


def _row(path: Path, n: int, header: Sequence[str], fields: list[str]) -> tuple[dict, str]:
    """Line `n` as a dict by column, and its name; a ListError for a row cut short (or too
    long) or without a name."""
    if len(fields) != len(header):
        raise ListError(
            f"{path}:{n}: {len(fields)} fields, the header has {len(header)}"
            " (a truncated or broken row)"
        )
    row = dict(zip(header, fields, strict=True))
    name = _clean(row["name"])
    if not name:
        raise ListError(f"{path}:{n}: an entry without a name")
    return row, name


def _clean(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def _split(value: str, sep: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for part in value.split(sep):
        if _clean(part):
            seen.setdefault(_clean(part))
    return tuple(seen)


def _read_tsv(path: Path, text: str) -> OfficialList:
    out = OfficialList(*ENTITY_LIST, source=path.name)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for n, raw in enumerate(lines[1:], 2):
        raw = raw.rstrip("\r")
        if not raw.strip():
            continue
        row, name = _row(path, n, TSV_COLUMNS, raw.split("\t"))
        country = _clean(row["country"]).upper()
        address = _clean(row["address"])
        key = hashlib.sha1(f"{name}\t{country}\t{address}".encode()).hexdigest()[:16]
        out.entries[key] = ListEntry(
            key=key, name=name, aliases=_split(row["aliases"], "|"),
            countries=(country,) if country else (), address=address,
            citation=_clean(row["federal_register"]), listed=_date(path, n, row["listed_date"]),
        )  # fmt: skip
    if not out.entries:
        raise ListError(f"{path}: no entries below the header")
    return out


_SOURCE = re.compile(r"^(?P<label>.*?)\s*\((?P<id>[A-Z][A-Z0-9-]*)\)\s*(?P<rest>.*?)$")
_COUNTRY_CODE = re.compile(r"(?:^|,)\s*([A-Z]{2})\s*$")


def _csl_list(source: str) -> tuple[str, str, str]:
    """(id, label, publisher) of a CSL `source` value."""
    name, _, publisher = source.partition(" - ")
    m = _SOURCE.match(name.strip())
    if m:
        label = " ".join(x for x in (m["label"], m["rest"]) if x)
        return m["id"], label, publisher.strip()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").upper() or "LIST"
    return slug, name.strip(), publisher.strip()


def _read_csl(path: Path, text: str) -> list[OfficialList]:
    lists: dict[str, OfficialList] = {}
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        for fields in reader:
            n = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            row, name = _row(path, n, header, fields)
            list_id, label, publisher = _csl_list(_clean(row["source"]))
            lst = lists.setdefault(list_id, OfficialList(list_id, label, publisher, path.name))
            key = _clean(row["_id"]) or hashlib.sha1(name.encode()).hexdigest()[:16]
            addresses = _split(row["addresses"], ";")
            codes = tuple(dict.fromkeys(m[1] for a in addresses if (m := _COUNTRY_CODE.search(a))))
            lst.entries[key] = ListEntry(
                key=key, name=name, aliases=_split(row["alt_names"], ";"), countries=codes,
                address="; ".join(addresses), citation=_clean(row["federal_register_notice"]),
                listed=_date(path, n, row["start_date"]),
            )  # fmt: skip
    except csv.Error as exc:
        raise ListError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None
    if not lists:
        raise ListError(f"{path}: no entries below the header")
    return sorted(lists.values(), key=lambda x: x.id)


# ----------------------------------------------------------------- graphs


def list_quads(lst: OfficialList, *, imported: str | None = None) -> list[ox.Quad]:
    """The quads of the list's graph: the list node and every entry."""
    import pyoxigraph as ox

    from kg.entities import load_gazetteer

    g = ox.NamedNode(lst.iri)
    countries = {
        e.country_code: e.iri for e in load_gazetteer().entities.values() if e.country_code
    }
    quads = []

    def add(s, p, o) -> None:
        quads.append(ox.Quad(s, ox.NamedNode(str(p)), o, g))

    def lit(value: str, datatype=None):
        return (
            ox.Literal(value, datatype=ox.NamedNode(str(datatype)))
            if datatype
            else ox.Literal(value)
        )

    node = ox.NamedNode(lst.iri)
    add(node, RDF.type, ox.NamedNode(str(KG.OfficialList)))
    add(node, RDFS.label, ox.Literal(lst.label, language="en"))
    if lst.publisher:
        add(node, DCTERMS.publisher, lit(lst.publisher))
    add(node, DCTERMS.source, lit(lst.source))
    if imported:
        add(node, DCTERMS.modified, lit(imported, XSD.date))
    for key, entry in sorted(lst.entries.items()):
        e = ox.NamedNode(f"{lst.iri}/entry/{key}")
        add(e, RDF.type, ox.NamedNode(str(KG.ListEntry)))
        add(e, KG.onList, node)
        add(e, RDFS.label, lit(entry.name))
        for alias in entry.aliases:
            add(e, SKOS.altLabel, lit(alias))
        for code in entry.countries:
            add(e, KG.countryCode, lit(code))
            if code in countries:
                add(e, KG.entryCountry, ox.NamedNode(countries[code]))
        if entry.address:
            add(e, KG.address, lit(entry.address))
        if entry.citation:
            add(e, KG.federalRegister, lit(entry.citation))
        if entry.listed:
            add(e, KG.listedOn, lit(entry.listed, XSD.date))
    return quads


# ----------------------------------------------------------------- matching


def match_key(name: str) -> str:
    """A name as lists and news spell it alike: NFKC, case-folded, `&` as "and", punctuation
    and brackets as spaces (a bracketed place stays part of the name: "Huawei Device (Hong
    Kong)"), and trailing legal forms (Co., Ltd., Inc., ...) dropped."""
    s = unicodedata.normalize("NFKC", name).casefold().replace("&", " and ")
    words = re.sub(r"[^\w]+", " ", s).split()
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    return " ".join(words)


# a bracketed abbreviation closing a name: "... Corporation (SMIC)", "... Co., Ltd (HiSilicon)"
_ABBREVIATION = re.compile(r"\s*\((?P<abbr>[^()\s]*[A-Z][^()\s]*[A-Z][^()\s]*)\)\s*$")


def entry_keys(entry: ListEntry) -> dict[str, str]:
    """Match key -> why it belongs to the entry (name, abbreviation, alias), best reason first.
    A bracketed abbreviation closing the name is a key of its own, not part of the name's."""
    m = _ABBREVIATION.search(entry.name)
    name = entry.name[: m.start()] if m else entry.name
    out: dict[str, str] = {}
    for key, why in (
        (match_key(name), "name"),
        *(((match_key(m["abbr"]), "abbreviation"),) if m else ()),
        *((match_key(a), "alias") for a in entry.aliases),
    ):
        if key:
            out.setdefault(key, why)
    return out


@dataclass(frozen=True)
class Match:
    """A graph entity whose name equals a name of a list entry."""

    list_id: str
    entity: str
    entry: str  # entry IRI
    entity_name: str
    entry_name: str
    reason: str  # name, abbreviation, alias; or "ambiguous: N entries"
    linked: bool


def match_entities(
    lst_id: str,
    entries: dict[str, ListEntry],
    names: dict[str, list[str]],
    curated: set[str],
) -> list[Match]:
    """Matches of the entities `names` (IRI -> names) against the entries (IRI -> entry) of
    one list: linked when every matching name of the entity points to the same one entry."""
    index: dict[str, list[tuple[str, str, str]]] = {}
    for iri, entry in entries.items():
        for key, why in entry_keys(entry).items():
            index.setdefault(key, []).append((iri, why, entry.name))
    out: list[Match] = []
    for entity, forms in sorted(names.items()):
        shortest = MIN_KEY if entity in curated else MIN_KEY + 1
        hits: dict[str, tuple[str, str, str]] = {}
        for form in sorted(forms):
            key = match_key(form)
            if len(key.replace(" ", "")) < shortest:
                continue
            for entry_iri, why, entry_name in index.get(key, ()):
                old = hits.get(entry_iri)
                if old is None or REASONS.index(why) < REASONS.index(old[1]):
                    hits[entry_iri] = (form, why, entry_name)
        ambiguous = len(hits) > 1
        for entry_iri, (form, why, entry_name) in sorted(hits.items()):
            reason = f"ambiguous: {len(hits)} entries" if ambiguous else why
            out.append(Match(lst_id, entity, entry_iri, form, entry_name, reason, not ambiguous))
    return out


def _stored_entries(store: ox.Store) -> dict[str, dict[str, ListEntry]]:
    """List id -> entry IRI -> the entry's names, as the store holds them."""
    out: dict[str, dict[str, ListEntry]] = {}
    rows = select(
        store,
        """SELECT ?l ?e ?name ?alias WHERE { ?e a kg:ListEntry ; kg:onList ?l ; rdfs:label ?name .
  OPTIONAL { ?e skos:altLabel ?alias } }""",
    )
    grouped: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for r in rows:
        k = (r["l"].value, r["e"].value)
        name, aliases = grouped.setdefault(k, (r["name"].value, []))
        if r["alias"] is not None:
            aliases.append(r["alias"].value)
    for (lst, iri), (name, aliases) in grouped.items():
        list_id = lst.removeprefix(str(LIST))
        out.setdefault(list_id, {})[iri] = ListEntry(iri, name, tuple(sorted(set(aliases))))
    return out


def _entity_names(store: ox.Store) -> tuple[dict[str, list[str]], set[str]]:
    """Organisation IRI -> its labels and aliases; and the IRIs of the gazetteer ones. Lists
    name parties, so countries, places, products and technologies are never matched."""
    from kg.entities import MINTED

    names: dict[str, list[str]] = {}
    for r in select(
        store,
        """SELECT DISTINCT ?e ?l WHERE { { SELECT DISTINCT ?e WHERE { ?e kg:mentionedIn ?a } }
  VALUES ?c { kg:Company kg:GovernmentBody kg:Association } ?e a ?c ;
  rdfs:label|skos:altLabel ?l }""",
    ):
        names.setdefault(r["e"].value, []).append(r["l"].value)
    return names, {e for e in names if not e.startswith(MINTED)}


def match_quads(list_id: str, matches: Iterable[Match]) -> list[ox.Quad]:
    """The quads of the list's links graph: kg:listedAs for each link, and a kg:ListMatch
    node with the reason for every match."""
    import pyoxigraph as ox

    g = ox.NamedNode(links_iri(list_id))
    quads = []

    def add(s, p, o) -> None:
        quads.append(ox.Quad(s, ox.NamedNode(str(p)), o, g))

    for m in matches:
        entity, entry = ox.NamedNode(m.entity), ox.NamedNode(m.entry)
        digest = hashlib.sha1(f"{m.entity}\n{m.entry}".encode()).hexdigest()[:16]
        node = ox.NamedNode(f"{links_iri(list_id)}/{digest}")
        if m.linked:
            add(entity, KG.listedAs, entry)
        add(node, RDF.type, ox.NamedNode(str(KG.ListMatch)))
        add(node, KG.matchEntity, entity)
        add(node, KG.matchEntry, entry)
        add(node, KG.matchedName, ox.Literal(f"{m.entity_name} = {m.entry_name}"))
        add(node, KG.reason, ox.Literal(m.reason))
        add(node, KG.linked, ox.Literal("true" if m.linked else "false",
                                         datatype=ox.NamedNode(str(XSD.boolean))))  # fmt: skip
    return quads


def _links(store: ox.Store, lists: dict[str, dict[str, ListEntry]]) -> dict[str, list]:
    names, curated = _entity_names(store)
    return {
        links_iri(list_id): match_quads(list_id, match_entities(list_id, entries, names, curated))
        for list_id, entries in sorted(lists.items())
    }


def refresh_links(store: ox.Store) -> int:
    """Recompute the links of every list in the store (after a build); the links made."""
    lists = _stored_entries(store)
    if not lists:
        return 0
    graphs = _links(store, lists)
    replace_graphs(store, graphs)
    return sum(1 for qs in graphs.values() for q in qs if q.predicate.value == str(KG.listedAs))


# ----------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportReport:
    lists: tuple[tuple[str, str, int], ...]  # (id, label, entries)
    links: int


def import_lists(
    store_arg: str | Path | None, files: Sequence[str | Path], *, wait: float = 5.0
) -> ImportReport:
    """Read every file (all checked before anything is written), then replace each list's
    graph and recompute the links of every list, in one transaction, under the store's
    build lock."""
    from kg import graph
    from kg.remote import as_remote
    from kg.storelock import build_lock

    lists: dict[str, OfficialList] = {}
    for f in files:
        for lst in read_lists(f):
            if lst.id in lists:
                raise ListError(f"{f}: list {lst.id} is also in {lists[lst.id].source}; import one")
            lists[lst.id] = lst
    today = dt.date.today().isoformat()
    target = store_arg if as_remote(store_arg) is not None else graph.store_dir(store_arg)
    with build_lock(target, wait=wait):
        store = graph.open_store(store_arg, create=False)
        stored = _stored_entries(store)
        for lst in lists.values():
            stored[lst.id] = {f"{lst.iri}/entry/{k}": e for k, e in lst.entries.items()}
        graphs = {lst.iri: list_quads(lst, imported=today) for lst in lists.values()}
        graphs |= _links(store, stored)
        replace_graphs(store, graphs)
        store.flush()
    links = sum(1 for qs in graphs.values() for q in qs if q.predicate.value == str(KG.listedAs))
    return ImportReport(
        tuple((lst.id, lst.label, len(lst.entries)) for lst in lists.values()), links
    )


# ----------------------------------------------------------------- reading the store


@dataclass(frozen=True)
class LinkRow:
    list_id: str
    entity: str
    entity_label: str
    entry: str
    entry_name: str
    listed: str | None
    citation: str | None
    matched: str
    reason: str
    linked: bool


def stored_lists(store: ox.Store) -> list[tuple[str, str, str, int, str | None]]:
    """(id, label, source file, entries, imported) of every list in the store."""
    rows = select(
        store,
        """SELECT ?l ?label ?source ?imported (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?l a kg:OfficialList ; rdfs:label ?label ; dcterms:source ?source .
  OPTIONAL { ?l dcterms:modified ?imported } OPTIONAL { ?e kg:onList ?l }
} GROUP BY ?l ?label ?source ?imported ORDER BY ?l""",
    )
    return [
        (r["l"].value.removeprefix(str(LIST)), r["label"].value, r["source"].value,
         int(r["n"].value), r["imported"].value if r["imported"] else None)
        for r in rows
    ]  # fmt: skip


def stored_links(store: ox.Store, *, everything: bool = False) -> list[LinkRow]:
    """The links of every list (with `everything`, the ambiguous matches too)."""
    rows = select(
        store,
        """SELECT DISTINCT ?l ?e ?entry ?name ?listed ?fr ?matched ?reason ?linked ?label WHERE {
  ?m a kg:ListMatch ; kg:matchEntity ?e ; kg:matchEntry ?entry ; kg:matchedName ?matched ;
     kg:reason ?reason ; kg:linked ?linked .
  ?entry kg:onList ?l ; rdfs:label ?name .
  OPTIONAL { ?entry kg:listedOn ?listed } OPTIONAL { ?entry kg:federalRegister ?fr }
  OPTIONAL { ?e rdfs:label ?label FILTER(LANG(?label) = "en") }
}""",
    )
    out: dict[tuple[str, str, str], LinkRow] = {}
    for r in rows:
        linked = r["linked"].value == "true"
        if not (linked or everything):
            continue
        key = (r["l"].value, r["e"].value, r["entry"].value)
        if key in out:
            continue
        out[key] = LinkRow(
            list_id=r["l"].value.removeprefix(str(LIST)), entity=r["e"].value,
            entity_label=r["label"].value if r["label"] else "", entry=r["entry"].value,
            entry_name=r["name"].value, listed=r["listed"].value if r["listed"] else None,
            citation=r["fr"].value if r["fr"] else None, matched=r["matched"].value,
            reason=r["reason"].value, linked=linked,
        )  # fmt: skip
    return sorted(out.values(), key=lambda x: (x.list_id, not x.linked, x.entity, x.entry))


def listed_marks(store: ox.Store) -> dict[str, str]:
    """Entity IRI -> how it is listed ("Entity List since 2019-05-21"), for `kg viz`."""
    marks: dict[str, set[str]] = {}
    for r in select(
        store,
        """SELECT DISTINCT ?e ?label ?on WHERE { ?e kg:listedAs ?entry .
  ?entry kg:onList ?l . ?l rdfs:label ?label OPTIONAL { ?entry kg:listedOn ?on } }""",
    ):
        since = f" since {r['on'].value}" if r["on"] is not None else ""
        marks.setdefault(r["e"].value, set()).add(r["label"].value + since)
    return {e: "; ".join(sorted(texts)) for e, texts in marks.items()}


def format_lists(rows) -> str:
    from kg.query import table

    if not rows:
        return "no official lists in the store; add one with `kg lists import FILE`"
    return table(
        ["list", "name", "file", "entries", "imported"],
        [[i, label, src, str(n), imported or ""] for i, label, src, n, imported in rows],
    )


def format_links(rows: list[LinkRow]) -> str:
    from kg.catalog import local_name
    from kg.query import table

    if not rows:
        return "no entity of the store is linked to a list entry"
    body = [
        [r.list_id, r.entity_label or local_name(r.entity), r.entry_name, r.listed or "",
         r.citation or "", r.reason, r.matched]
        for r in rows
    ]  # fmt: skip
    return table(["list", "entity", "entry", "listed", "citation", "reason", "names"], body)
