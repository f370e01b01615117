"""The entities of the store, for people: list, search, filter, and gazetteer stubs.

`kg entities` lists the entities the articles mention with their class, sectors, country and
how often they occur; it searches their names (Japanese or Latin, hiragana and katakana alike,
fuzzy) and filters by class, sector, country, or `detected` (found in the text but not in the
gazetteer, each with an example sentence). `stubs` writes gazetteer entries for detected
entities, ready to edit into ontology/gazetteer.ttl.

`unknown_entity` is the error for a name that is neither in the gazetteer nor in the store,
with the names a user may have meant (`kg why`, `kg explain`, saved-query parameters).
"""

from __future__ import annotations

import difflib
import json
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from kg.entities import Gazetteer, load_gazetteer, normalize_name
from kg.errors import QueryError, UnknownEntityError
from kg.graph import PREFIXES, select
from kg.vocab import CLASSES, KG, Sector, sectors

if TYPE_CHECKING:
    import pyoxigraph as ox

_HIRAGANA_TO_KATAKANA = {c: c + 0x60 for c in range(0x3041, 0x3097)}
FUZZY_MIN = 0.6  # difflib ratio from which a name counts as a near spelling


def name_key(name: str) -> str:
    """Key for searching: `kg.entities.normalize_name` with hiragana read as katakana."""
    return normalize_name(name).translate(_HIRAGANA_TO_KATAKANA)


def match_score(query: str, names: set[str]) -> float:
    """How well `query` (a `name_key`) matches the best of `names` (keys): 1 exact, 0.9 a
    prefix, 0.8 inside, up to 0.7 a near spelling (0.7 times difflib's ratio, from
    FUZZY_MIN), 0 no match."""
    if not query:
        return 0.0
    best = 0.0
    matcher = difflib.SequenceMatcher(None, "", query)  # caches what it learns of `query`
    for name in names:
        if name == query:
            return 1.0
        if len(query) >= 2 and name.startswith(query):
            best = max(best, 0.9)
        elif len(query) >= 2 and query in name:
            best = max(best, 0.8)
        elif best < 0.7:
            matcher.set_seq1(name)
            if matcher.real_quick_ratio() >= FUZZY_MIN and matcher.quick_ratio() >= FUZZY_MIN:
                ratio = matcher.ratio()
                if ratio >= FUZZY_MIN:
                    best = max(best, 0.7 * ratio)
    return best


# ----------------------------------------------------------------- the entities of the store


@dataclass
class EntityInfo:
    """One entity of the store, as `kg entities` shows it."""

    iri: str
    classes: list[str] = field(default_factory=list)
    label_ja: str | None = None
    label_en: str | None = None
    names: list[str] = field(default_factory=list)  # labels, aliases and tickers
    sectors: list[str] = field(default_factory=list)  # sector IRIs
    countries: list[str] = field(default_factory=list)  # home country or basedIn a country
    detected: bool = False
    articles: int = 0
    claims: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.label_ja or self.label_en or local_name(self.iri)


def local_name(iri: str) -> str:
    """The readable end of an IRI (percent-decoded)."""
    return unquote(iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1])


def short_iri(iri: str) -> str:
    """`kge:Huawei`, `kge:x/北京芯光科技`: a prefixed, percent-decoded IRI."""
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns):
            return f"{prefix}:{unquote(iri[len(ns) :])}"
    return f"<{iri}>"


_ENTITIES = "{ SELECT DISTINCT ?e WHERE { ?e kg:mentionedIn ?a } }"


def store_entities(store: ox.Store) -> list[EntityInfo]:
    """Every entity the articles of `store` mention, with what the store says of it."""
    out: dict[str, EntityInfo] = {}

    def info(term) -> EntityInfo:
        return out.setdefault(term.value, EntityInfo(term.value))

    classes = " ".join(f"kg:{c}" for c in CLASSES)
    for r in select(
        store, f"SELECT ?e ?c WHERE {{ {_ENTITIES} VALUES ?c {{ {classes} }} ?e a ?c }}"
    ):
        info(r["e"]).classes.append(r["c"].value.removeprefix(str(KG)))
    for r in select(store, f"SELECT DISTINCT ?e ?l WHERE {{ {_ENTITIES} ?e rdfs:label ?l }}"):
        e, lit = info(r["e"]), r["l"]
        if lit.language == "ja" and not e.label_ja:
            e.label_ja = lit.value
        elif lit.language == "en" and not e.label_en:
            e.label_en = lit.value
        e.names.append(lit.value)
    for r in select(
        store, f"SELECT DISTINCT ?e ?l WHERE {{ {_ENTITIES} ?e skos:altLabel|kg:ticker ?l }}"
    ):
        info(r["e"]).names.append(r["l"].value)
    for r in select(store, f"SELECT DISTINCT ?e ?s WHERE {{ {_ENTITIES} ?e kg:sector ?s }}"):
        info(r["e"]).sectors.append(r["s"].value)
    for r in select(
        store,
        f"""SELECT DISTINCT ?e ?c WHERE {{ {_ENTITIES}
  {{ ?e kg:homeCountry ?c }} UNION {{ ?e kg:basedIn ?c . ?c a kg:Country }} }}""",
    ):
        info(r["e"]).countries.append(r["c"].value)
    for r in select(store, "SELECT DISTINCT ?e WHERE { ?e kg:detected true }"):
        info(r["e"]).detected = True
    for r in select(store, "SELECT DISTINCT ?e ?s WHERE { ?e kg:exampleSentence ?s }"):
        info(r["e"]).examples.append(r["s"].value)
    for r in select(
        store, "SELECT ?e (COUNT(DISTINCT ?a) AS ?n) WHERE { ?e kg:mentionedIn ?a } GROUP BY ?e"
    ):
        info(r["e"]).articles = int(r["n"].value)
    for r in select(
        store,
        """SELECT ?e (COUNT(DISTINCT ?c) AS ?n) WHERE {
  { ?c rdf:subject ?e } UNION { ?c rdf:object ?e } ?c a kg:Claim } GROUP BY ?e""",
    ):
        if r["e"].value in out:
            info(r["e"]).claims = int(r["n"].value)
    for e in out.values():
        e.classes = [c for c in CLASSES if c in e.classes]
        e.names = sorted(set(e.names))
        e.sectors = sorted(set(e.sectors), key=_sector_order)
        e.countries = sorted(set(e.countries))
        e.examples = sorted(set(e.examples), key=lambda s: (len(s), s))
    return [e for e in out.values() if e.classes or e.names]


def _sector_order(iri: str) -> int:
    order = [s.iri for s in sectors()]
    return order.index(iri) if iri in order else len(order)


# ----------------------------------------------------------------- choosing


def resolve_class(name: str) -> str:
    """`company` -> `Company`; a QueryError listing the classes otherwise."""
    for c in CLASSES:
        if c.casefold() == name.strip().removeprefix("kg:").casefold():
            return c
    raise QueryError(f"unknown class {name!r}; use one of {', '.join(CLASSES)}")


def resolve_sector(name: str) -> Sector:
    """A sector by its short name (`equipment`), `sector:` name, IRI or label (en or ja)."""
    key = name.strip().removeprefix(PREFIXES["sector"]).removeprefix("sector:").casefold()
    for s in sectors():
        if key in (s.notation.casefold(), s.label_en.casefold(), s.label_ja.casefold()):
            return s
    names = ", ".join(s.notation for s in sectors())
    raise QueryError(f"unknown sector {name!r}; use one of {names}")


def resolve_country(name: str, gaz: Gazetteer | None = None) -> str:
    """A country of the gazetteer by any of its names or its ISO code (CN, JP)."""
    gaz = gaz or load_gazetteer()
    code = name.strip().upper()
    for ent in gaz.entities.values():
        if ent.cls == "Country" and ent.country_code == code:
            return ent.iri
    iri = gaz.lookup(name)
    if iri is None or gaz.entities[iri].cls != "Country":
        raise QueryError(f"unknown country {name!r}; give its name (中国, China) or code (CN)")
    return iri


def select_entities(
    entities: list[EntityInfo],
    query: str | None = None,
    *,
    cls: str | None = None,
    sector: str | None = None,
    country: str | None = None,
    detected: bool = False,
) -> list[EntityInfo]:
    """The entities matching every filter given: best matches of `query` first, else the
    most mentioned first."""
    want_cls = resolve_class(cls) if cls else None
    want_sector = resolve_sector(sector).iri if sector else None
    want_country = resolve_country(country) if country else None
    scored = []
    key = name_key(query) if query else ""
    for e in entities:
        if want_cls and want_cls not in e.classes:
            continue
        if want_sector and want_sector not in e.sectors:
            continue
        if want_country and want_country not in e.countries:
            continue
        if detected and not e.detected:
            continue
        score = match_score(key, {name_key(n) for n in e.names}) if query else 1.0
        if score > 0:
            scored.append((score, e))
    scored.sort(key=lambda se: (-se[0], -se[1].articles, se[1].label, se[1].iri))
    return [e for _, e in scored]


def list_entities(store: ox.Store, query: str | None = None, **filters) -> list[EntityInfo]:
    """`select_entities` over the entities of `store` (the library side of `kg entities`)."""
    return select_entities(store_entities(store), query, **filters)


# ----------------------------------------------------------------- unknown names


def unknown_entity(store: ox.Store, name: str, *, limit: int = 5) -> UnknownEntityError:
    """The error for a name neither the gazetteer nor the store knows, with the entities (of
    both) whose names are spelled most like it."""
    key = name_key(name)
    shown: dict[str, str] = {}
    names: dict[str, set[str]] = {}
    for ent in load_gazetteer().entities.values():
        shown[ent.iri] = _shown(ent.label_en, ent.label_ja, ent.iri)
        names[ent.iri] = {
            name_key(x) for x in (ent.label_en, ent.label_ja, *ent.aliases, *ent.tickers) if x
        }
    labels: dict[str, dict[str, str]] = {}
    for r in select(
        store,
        f"SELECT DISTINCT ?e ?p ?l WHERE {{ {_ENTITIES} ?e ?p ?l "
        "VALUES ?p { rdfs:label skos:altLabel kg:ticker } }",
    ):
        iri, lit = r["e"].value, r["l"]
        names.setdefault(iri, set()).add(name_key(lit.value))
        if r["p"].value.endswith("#label"):
            labels.setdefault(iri, {}).setdefault(lit.language or "", lit.value)
    for iri, by_lang in labels.items():
        shown.setdefault(iri, _shown(by_lang.get("en"), by_lang.get("ja"), iri))
    scored = [(match_score(key, keys), shown[iri]) for iri, keys in names.items()]
    best = sorted((x for x in scored if x[0] > 0), key=lambda x: (-x[0], x[1]))[:limit]
    hint = (
        "did you mean " + ", ".join(text for _, text in best) + "?"
        if best
        else "`kg entities` lists the entities of the store"
    )
    return UnknownEntityError(f"no entity named {name!r}; {hint}")


def _shown(en: str | None, ja: str | None, iri: str) -> str:
    if en and ja and en != ja:
        return f"{en} ({ja})"
    return en or ja or local_name(iri)


# ----------------------------------------------------------------- text


def _sector_names(iris: list[str]) -> str:
    by_iri = {s.iri: s.notation for s in sectors()}
    return ",".join(by_iri.get(i, local_name(i)) for i in iris)


def _countries(iris: list[str]) -> str:
    return ",".join(local_name(i).replace("_", " ") for i in iris)


def excerpt(sentence: str, names: list[str], width: int = 48) -> str:
    """`sentence` cut to about `width` characters around the first of `names` it holds."""
    sentence = " ".join(sentence.split())
    if len(sentence) <= width:
        return sentence
    at = min((i for i in (sentence.find(n) for n in names if n) if i >= 0), default=0)
    start = max(0, min(at - width // 3, len(sentence) - width))
    text = sentence[start : start + width]
    return ("…" if start else "") + text + ("…" if start + width < len(sentence) else "")


def format_entities(rows: list[EntityInfo], *, fmt: str = "table", detected: bool = False) -> str:
    """A table of entities (with an example sentence each when `detected`), or JSON."""
    from kg.query import table

    if fmt == "json":
        return json.dumps([asdict(e) for e in rows], ensure_ascii=False, indent=1)
    if fmt != "table":
        raise QueryError(f"unknown format {fmt!r}; use table or json")
    if detected:
        headers = ["entity", "class", "country", "articles", "claims", "example"]
        body = [
            [e.label, "/".join(e.classes), _countries(e.countries), str(e.articles),
             str(e.claims), excerpt(e.examples[0], e.names) if e.examples else ""]
            for e in rows
        ]  # fmt: skip
    else:
        headers = ["entity", "ja", "en", "class", "sector", "country", "articles", "claims"]
        body = [
            [short_iri(e.iri), e.label_ja or "", e.label_en or "", "/".join(e.classes),
             _sector_names(e.sectors), _countries(e.countries), str(e.articles), str(e.claims)]
            for e in rows
        ]  # fmt: skip
    n = len(rows)
    return table(headers, body) + f"\n({n} entit{'ies' if n != 1 else 'y'})"


# ----------------------------------------------------------------- gazetteer stubs


def _turtle_string(text: str) -> str:
    return json.dumps(unicodedata.normalize("NFKC", text), ensure_ascii=False)


def _local(name: str) -> str:
    """A gazetteer local name from a name: letters and digits kept, the rest `_`."""
    name = unicodedata.normalize("NFKC", name)
    out = "".join(c if c.isalnum() else "_" for c in name).strip("_")
    while "__" in out:
        out = out.replace("__", "_")
    return out if out and not out[0].isdigit() else f"E_{out}"


def _lang(text: str) -> str:
    return "en" if all(c.isascii() for c in text) else "ja"


def stubs(rows: list[EntityInfo]) -> str:
    """Gazetteer entries (Turtle, one node each) for entities of the store, to edit into
    ontology/gazetteer.ttl: class, the labels and every surface form seen, the country the
    articles give, and a comment with where it was seen and the sectors to choose from."""
    gaz = load_gazetteer()
    taken = {local_name(i) for i in gaz.entities}
    choices = " ".join(s.notation for s in sectors())
    out = [
        "# Gazetteer stubs written by `kg entities --suggest`. Before adding them to",
        "# ontology/gazetteer.ttl: check each name, give the English rdfs:label@en, a",
        "# kg:sector for companies, and rename the node after its English name.",
        "@prefix kg:     <https://w3id.org/chipkg/ontology#> .",
        "@prefix kge:    <https://w3id.org/chipkg/entity/> .",
        "@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix sector: <https://w3id.org/chipkg/sector/> .",
        "",
    ]
    for e in rows:
        label = e.label
        local = _local(e.label_en or label)
        while local in taken:
            local += "_"
        taken.add(local)
        lang = _lang(label)
        others = [n for n in e.names if n != label]
        out.append(
            f"# {label}: {e.articles} article(s), {e.claims} claim(s)"
            + (f"; 「{excerpt(e.examples[0], e.names, 60)}」" if e.examples else "")
        )
        cls = e.classes[0] if e.classes else "Company"
        lines = [f"rdfs:label {_turtle_string(label)}@{lang}"]
        if others:
            alts = ", ".join(f"{_turtle_string(n)}@{_lang(n)}" for n in others)
            lines.append(f"skos:altLabel {alts}")
        lines += [f"kg:homeCountry kge:{local_name(c)}" for c in e.countries if c in gaz.entities]
        out.append(f"kge:{local} a kg:{cls} ;")
        if cls == "Company":
            out.append(f"    # sectors, one or more: {choices}")
            out.append("    # kg:sector sector:… ;")
        out.append("    " + " ;\n    ".join(lines) + " .")
        out.append("")
    return "\n".join(out)
