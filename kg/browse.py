"""The pages of `kg serve`: a small browser for the graph, on the read-only endpoint.

    /                    the query page: a query box, the saved queries as examples, results
                         as a table whose IRIs link to their pages
    /entity?iri=IRI      what the graph says about an entity: labels in both languages,
                         class, every other property (country, sector, ...), every fact in and
                         out with its modality, date and evidence sentence, the articles
    /article?iri=IRI     an article: title, date, publisher, link, the entities and claims
    /search?q=TEXT       entities whose label, alias or ticker contains TEXT (JSON), for the
                         search box of every page

Every page is built here from SPARQL run on the server's own engine (`answer` is given a
`select` function that runs a query there, with the server's limits) and is self-contained:
styles and scripts inline, nothing fetched from elsewhere. Text from the graph reaches a page
only as escaped HTML, or as JSON inside `<script type="application/json">` (escaped by
`kg.viz.script_json`) that the page's script puts into the document with `textContent`. A
Content-Security-Policy with a fresh nonce per page lets only the page's own scripts run.
"""

from __future__ import annotations

import html
import json
import secrets
import unicodedata
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from kg.graph import PREFIXES, SPARQL_PREFIXES
from kg.vocab import ART, KG, KGE, OWL, RDF, RDFS, term_labels

# runs one SELECT query on the engine and returns its SPARQL 1.1 JSON result
Select = Callable[[str], dict]

PAGES = ("/", "/index.html", "/entity", "/article", "/search")
MAX_CLAIMS = 1000  # claims listed on one entity page
MAX_HITS = 15  # search results
CSP = ("default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
       "connect-src 'self'; img-src data:; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")  # fmt: skip
# shown in the header of an entity page, not again among its other properties
HEADER_PROPERTIES = {str(RDF.type), str(RDFS.label), str(KG.mentionedIn)}


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Site:
    """What the pages say about the server: example queries (title, text), result formats
    of the endpoint, and whether it takes updates."""

    examples: list[tuple[str, str]]
    formats: list[str]
    allow_update: bool = False


class PageError(Exception):
    """A page cannot be made (bad parameter, unknown entity): status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def answer(path: str, query: str, select: Select, site: Site) -> Answer:
    """The answer to GET `path`?`query` (one of PAGES)."""
    params = urllib.parse.parse_qs(query, keep_blank_values=True)

    def param(name: str) -> str:
        values = params.get(name) or [""]
        if not values[0].strip():
            raise PageError(400, f"give ?{name}=... in the address")
        return values[0].strip()

    try:
        if path == "/search":
            body = json.dumps(search(select, param("q")), ensure_ascii=False)
            return Answer(200, "application/json; charset=utf-8", body.encode("utf-8"), {})
        if path == "/entity":
            return _html(200, *entity_page(select, _iri(param("iri"))))
        if path == "/article":
            return _html(200, *article_page(select, _iri(param("iri"))))
        return _html(200, "kg: query", query_page(site), QUERY_JS)
    except PageError as exc:
        return _html(exc.status, "kg: " + exc.message, f"<p class=error>{e(exc.message)}</p>")


def _iri(value: str) -> str:
    """An IRI from the address (a prefixed name like kge:Huawei is expanded)."""
    import pyoxigraph as ox

    prefix, _, local = value.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        value = PREFIXES[prefix] + local
    try:
        return ox.NamedNode(value).value
    except ValueError:
        raise PageError(400, f"not an IRI: {value}") from None


# ----------------------------------------------------------------- helpers


def e(text: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(text), quote=True)


def rows(result: dict) -> list[dict[str, str]]:
    """The bindings of a SPARQL JSON result as {variable: value} (unbound: absent)."""
    return [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]


def run(select: Select, body: str) -> list[dict[str, str]]:
    return rows(select(SPARQL_PREFIXES + body))


def href(iri: str) -> str:
    """Where the page of `iri` is: /article for articles, /entity for everything else."""
    page = "/article" if iri.startswith(str(ART)) else "/entity"
    return f"{page}?iri={urllib.parse.quote(iri, safe='')}"


def short(iri: str) -> str:
    from kg.query import sparql_name

    return sparql_name(iri)


def term_name(iri: str) -> str:
    """An ontology term for people: `suppliesTo 供給先`, else its short name."""
    local = iri.removeprefix(str(KG))
    if local != iri and local in term_labels():
        ja = term_labels()[local].get("ja")
        return f"{local} {ja}" if ja else local
    return short(iri)


def labels(select: Select, iris: set[str]) -> dict[str, dict[str, str]]:
    """rdfs:label of each IRI by language ("" for a label without one)."""
    out: dict[str, dict[str, str]] = {}
    iris = {i for i in iris if i}
    if not iris:
        return out
    values = " ".join(f"<{i}>" for i in sorted(iris))
    query = (
        f"SELECT DISTINCT ?e ?l ?lang WHERE {{ VALUES ?e {{ {values} }} ?e rdfs:label ?l "
        "BIND(LANG(?l) AS ?lang) } ORDER BY ?e ?lang ?l"
    )
    for r in run(select, query):
        out.setdefault(r["e"], {}).setdefault(r.get("lang", ""), r["l"])
    return out


def name(names: dict[str, dict[str, str]], iri: str) -> str:
    """`ファーウェイ (Huawei)`, one label if the two agree, else the short IRI."""
    by = names.get(iri, {})
    ja, en = by.get("ja"), by.get("en") or by.get("")
    if ja and en and ja != en:
        return f"{ja} ({en})"
    return ja or en or short(iri)


def link(names: dict[str, dict[str, str]], iri: str) -> str:
    return f'<a href="{e(href(iri))}">{e(name(names, iri))}</a>'


def external(url: str) -> str:
    """A link out of the server, only for http(s) addresses (never javascript: or data:)."""
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        return e(url)
    return f'<a href="{e(url)}" rel="noopener noreferrer nofollow">{e(url)}</a>'


def modality_badge(m: str) -> str:
    ja = term_labels().get(m, {}).get("ja", "")
    return f'<span class="badge {e(m)}" title="{e(ja)}">{e(m)}</span>'


# ----------------------------------------------------------------- search


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def search(select: Select, text: str) -> list[dict[str, str]]:
    """Entities whose label, alias or ticker contains `text` (NFKC, case-insensitive):
    whole matches first, then names starting with it, then shorter names."""
    import pyoxigraph as ox

    q = normalize(text)[:100]
    if not q:
        return []
    needle = str(ox.Literal(q))  # serialized by pyoxigraph: user text is never SPARQL syntax
    found = run(
        select,
        f"""SELECT DISTINCT ?e ?name WHERE {{
  ?e rdfs:label|skos:altLabel|kg:ticker ?name .
  FILTER(STRSTARTS(STR(?e), "{KGE}") && CONTAINS(LCASE(STR(?name)), {needle}))
}} LIMIT 500""",
    )
    best: dict[str, tuple] = {}
    for r in found:
        n = normalize(r["name"])
        rank = (0 if n == q else 1 if n.startswith(q) else 2, len(n), r["name"])
        if r["e"] not in best or rank < best[r["e"]]:
            best[r["e"]] = rank
    hits = sorted(best, key=lambda iri: (best[iri], iri))[:MAX_HITS]
    names = labels(select, set(hits))
    classes = _classes(select, set(hits))
    return [{"iri": iri, "href": href(iri), "name": name(names, iri), "matched": best[iri][2],
             "class": classes.get(iri, "")} for iri in hits]  # fmt: skip


def _classes(select: Select, iris: set[str]) -> dict[str, str]:
    """The kg: class of each entity (the first in the ontology's order, as kg stats counts)."""
    from kg.vocab import CLASSES

    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in sorted(iris))
    found: dict[str, set[str]] = {}
    for r in run(select, f"SELECT DISTINCT ?e ?c WHERE {{ VALUES ?e {{ {values} }} ?e a ?c }}"):
        found.setdefault(r["e"], set()).add(r["c"].removeprefix(str(KG)))
    return {i: next((c for c in CLASSES if c in cs), sorted(cs)[0]) for i, cs in found.items()}


# ----------------------------------------------------------------- entity page

_CLAIMS = """SELECT ?c ?s ?p ?o ?m ?sentence ?a ?title ?date ?conf ?rep ?event ?words ?from
WHERE {
  { SELECT DISTINCT ?c WHERE { { ?c rdf:subject <%(iri)s> } UNION { ?c rdf:object <%(iri)s> } } }
  ?c rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:modality ?m ; kg:sentence ?sentence ;
     prov:wasDerivedFrom ?a .
  OPTIONAL { ?a dcterms:title ?title } OPTIONAL { ?a dcterms:date ?date }
  OPTIONAL { ?c kg:confidence ?conf } OPTIONAL { ?c kg:reportedBy ?rep }
  OPTIONAL { ?c kg:eventDate ?event } OPTIONAL { ?c kg:eventDateText ?words }
  OPTIONAL { ?c kg:eventDateSource ?from }
} ORDER BY ?p ?s ?o ?event ?date ?a ?c LIMIT %(limit)d"""
# what a claim says beyond the fields every claim has and those shown: shown with it
_CLAIM_FIELDS = ["rdf:type", "rdf:subject", "rdf:predicate", "rdf:object", "kg:modality",
                 "kg:sentence", "prov:wasDerivedFrom", "dcterms:title", "kg:confidence",
                 "kg:reportedBy", "kg:charStart", "kg:charEnd", "kg:subjectText",
                 "kg:objectText", "kg:cue", "kg:rule", "kg:eventDate", "kg:eventDateText",
                 "kg:eventDateSource", "kg:eventPrecision", "kg:eventStart",
                 "kg:eventEnd"]  # fmt: skip


def entity_page(select: Select, iri: str) -> tuple[str, str]:
    """Title and main HTML of the page of `iri`."""
    about = run(select, f"SELECT DISTINCT ?p ?o WHERE {{ <{iri}> ?p ?o }} ORDER BY ?p ?o")
    claims = run(select, _CLAIMS % {"iri": iri, "limit": MAX_CLAIMS + 1})
    if not about and not claims:
        raise PageError(404, f"the graph says nothing about {short(iri)}")
    more = len(claims) > MAX_CLAIMS
    claims = claims[:MAX_CLAIMS]
    extra = _claim_extras(select, [c["c"] for c in claims])
    iris = {iri} | {r["o"] for r in about if _is_iri(r["o"])}
    iris |= {c[k] for c in claims for k in ("s", "o")}
    names = labels(select, iris | {r["p"] for r in about})
    by_lang = names.get(iri, {})
    classes = sorted(r["o"] for r in about if r["p"] == str(RDF.type))
    mentioned = sorted({r["o"] for r in about if r["p"] == str(KG.mentionedIn)})

    head = [f"<h1>{e(name(names, iri))}</h1>", f'<p class="iri">{e(short(iri))}</p>', "<dl>"]
    for lang, title in (("ja", "日本語"), ("en", "English")):
        if by_lang.get(lang):
            head.append(f"<dt>{title}</dt><dd lang={lang}>{e(by_lang[lang])}</dd>")
    if classes:
        head.append(f"<dt>class</dt><dd>{', '.join(e(term_name(c)) for c in classes)}</dd>")
    head.append("</dl>")

    props: dict[str, list[str]] = {}
    for r in about:
        if r["p"] not in HEADER_PROPERTIES and not _is_relation(r["p"]):
            props.setdefault(r["p"], []).append(_value(names, r["p"], r["o"]))
    table = ["<h2>Description</h2>", "<table class=props>"]
    for p, values in props.items():
        table.append(f"<tr><th>{e(term_name(p))}</th><td>{'<br>'.join(values)}</td></tr>")
    table.append("</table>")

    facts = _facts_html(names, iri, claims, extra)
    if more:
        facts.append(f"<p class=note>The first {MAX_CLAIMS} claims are shown; query the "
                     "endpoint for the rest.</p>")  # fmt: skip
    arts = _articles(select, mentioned)
    return name(names, iri), "\n".join(head + table + facts + arts)


def _is_iri(value: str) -> bool:
    return value.startswith(("http://", "https://", "urn:"))


def _is_relation(p: str) -> bool:
    from kg.vocab import relations

    return p.removeprefix(str(KG)) in relations()


def _value(names: dict, prop: str, value: str) -> str:
    if prop == str(OWL.sameAs) or (_is_iri(value) and not value.startswith(str(KGE))
                                   and not value.startswith(str(KG))):  # fmt: skip
        return external(value)
    if value.startswith(str(KG)):
        return e(term_name(value))
    if _is_iri(value):
        return link(names, value)
    return e(value)


def _claim_extras(select: Select, claims: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Per claim, the properties beyond the fields every claim has, as (name, value)."""
    if not claims:
        return {}
    known = " ".join(_CLAIM_FIELDS)
    values = " ".join(f"<{c}>" for c in claims)
    out: dict[str, list[tuple[str, str]]] = {}
    query = (
        f"SELECT DISTINCT ?c ?p ?v WHERE {{ VALUES ?c {{ {values} }} ?c ?p ?v "
        f"FILTER(?p NOT IN ({', '.join(known.split())})) }} ORDER BY ?c ?p ?v"
    )
    for r in run(select, query):
        out.setdefault(r["c"], []).append((term_name(r["p"]), r["v"]))
    return out


def _facts_html(names: dict, iri: str, claims: list[dict], extra: dict) -> list[str]:
    """Facts out of and into `iri`, one block per (subject, relation, object), its claims
    listed with modality, article date, sentence and article."""
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for c in claims:
        groups.setdefault((c["s"], c["p"], c["o"]), []).append(c)
    out = [f"<h2>Facts ({len(groups)}, from {len(claims)} claims)</h2>"]
    for direction, title in (("out", "Facts about it"), ("in", "Facts pointing to it")):
        keys = [k for k in groups if (k[0] == iri) == (direction == "out")]
        if not keys:
            continue
        out.append(f"<h3>{title}</h3><ul class=facts>")
        for s, p, o in keys:
            other = o if direction == "out" else s
            rel = term_name(p)
            arrow = f"{e(rel)} → {link(names, other)}" if direction == "out" else (
                f"{link(names, other)} → {e(rel)}")  # fmt: skip
            items = []
            for c in groups[(s, p, o)]:
                when = _when(c)
                notes = "".join(f' <span class="extra">{e(k)}: {e(v)}</span>'
                                for k, v in extra.get(c["c"], []))  # fmt: skip
                rep = f' <span class="extra">reported by {e(c["rep"])}</span>' if "rep" in c else ""
                items.append(
                    f'<li class="claim">{modality_badge(c["m"].removeprefix(str(KG)))}'
                    f' <span class="date">{e(when)}</span>{rep}{notes}'
                    f"<blockquote>{e(c['sentence'])}</blockquote>"
                    f'<a class="source" href="{e(href(c["a"]))}">'
                    f"{e(c.get('title') or short(c['a']))}</a></li>"
                )
            out.append(f'<li class="fact"><span class="fact-head">{arrow}</span>'
                       f'<ul>{"".join(items)}</ul></li>')  # fmt: skip
        out.append("</ul>")
    return out


def _when(claim: dict[str, str]) -> str:
    """The date a claim is shown with: its event's (with the words the sentence says it in),
    else the article's, else none."""
    if "event" in claim:
        if claim.get("from", "").endswith("fromSentence") and claim.get("words"):
            return f"{claim['event']} ({claim['words']})"
        return f"{claim['event']} (article date)"
    return f"{claim['date']} (article date)" if "date" in claim else "no date"


def _articles(select: Select, articles: list[str]) -> list[str]:
    if not articles:
        return []
    values = " ".join(f"<{a}>" for a in articles)
    found = run(select, f"SELECT DISTINCT ?a ?title ?date WHERE {{ VALUES ?a {{ {values} }} "
                        "OPTIONAL { ?a dcterms:title ?title } OPTIONAL { ?a dcterms:date ?date } "
                        "} ORDER BY ?date ?a")  # fmt: skip
    items = [f'<li><span class="date">{e(r.get("date", "no date"))}</span> '
             f'<a href="{e(href(r["a"]))}">{e(r.get("title") or short(r["a"]))}</a></li>'
             for r in found]  # fmt: skip
    return [f"<h2>Mentioned in {len(found)} article{'s' if len(found) != 1 else ''}</h2>",
            "<ul class=articles>", *items, "</ul>"]  # fmt: skip


# ----------------------------------------------------------------- article page


def article_page(select: Select, iri: str) -> tuple[str, str]:
    meta = run(
        select,
        f"""SELECT ?title ?date ?publisher ?path ?url WHERE {{
  GRAPH <{iri}> {{ <{iri}> a kg:Article .
    OPTIONAL {{ <{iri}> dcterms:title ?title }} OPTIONAL {{ <{iri}> dcterms:date ?date }}
    OPTIONAL {{ <{iri}> dcterms:publisher ?publisher }} OPTIONAL {{ <{iri}> dcterms:source ?path }}
    OPTIONAL {{ <{iri}> prov:wasDerivedFrom ?url }} }} }}""",
    )
    if not meta:
        raise PageError(404, f"no article {short(iri)} in the graph")
    m = meta[0]
    claims = run(
        select,
        f"""SELECT ?c ?s ?p ?o ?m ?sentence ?start WHERE {{ GRAPH <{iri}> {{
  ?c a kg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; kg:modality ?m ;
     kg:sentence ?sentence ; kg:charStart ?start }} }} ORDER BY ?start ?c""",
    )
    entities = [r["e"] for r in run(select, f"SELECT DISTINCT ?e WHERE {{ GRAPH <{iri}> "
                                            f"{{ ?e kg:mentionedIn <{iri}> }} }}")]  # fmt: skip
    names = labels(select, set(entities) | {c[k] for c in claims for k in ("s", "o")})
    title = m.get("title") or short(iri)
    out = [f"<h1>{e(title)}</h1>", f'<p class="iri">{e(short(iri))}</p>', "<dl>"]
    for key, label in (("date", "date"), ("publisher", "publisher"), ("path", "file")):
        if key in m:
            out.append(f"<dt>{label}</dt><dd>{e(m[key])}</dd>")
    if "url" in m:
        out.append(f"<dt>source</dt><dd>{external(m['url'])}</dd>")
    out.append("</dl>")
    out.append(f"<h2>Claims ({len(claims)})</h2><ul class=facts>")
    for c in claims:
        out.append(
            f'<li class="claim">{modality_badge(c["m"].removeprefix(str(KG)))} '
            f"{link(names, c['s'])} → {e(term_name(c['p']))} → {link(names, c['o'])}"
            f"<blockquote>{e(c['sentence'])}</blockquote></li>"
        )
    out.append("</ul>")
    ents = sorted(entities, key=lambda i: name(names, i))
    out.append(f"<h2>Entities ({len(ents)})</h2><ul class=entities>")
    out += [f"<li>{link(names, i)}</li>" for i in ents]
    out.append("</ul>")
    return title, "\n".join(out)


# ----------------------------------------------------------------- query page


def query_page(site: Site) -> str:
    """The query box, the example menu and the table the results go into."""
    from kg.viz import script_json

    first = site.examples[0][1] if site.examples else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    options = "".join(f'<option value="{i}">{e(title)}</option>'
                      for i, (title, _) in enumerate(site.examples))  # fmt: skip
    formats = "".join(f'<option value="{e(f)}">{e(f)}</option>' for f in site.formats)
    mode = "read-write" if site.allow_update else "read-only"
    data = {"examples": [q for _, q in site.examples], "prefixes": PREFIXES,
            "entity": str(KGE), "article": str(ART)}  # fmt: skip
    return f"""<h1>Query the graph</h1>
<p>SPARQL 1.1 endpoint at <code>/query</code> ({mode}). The default graph is the union of all
article graphs; use <code>GRAPH ?g</code> for one article. Prefixes are not predeclared here:
the examples declare the ones they use. In the table, an entity or article links to its page.</p>
<form id="f" method="get" action="/query">
<label>Example: <select id="ex"><option value="">(choose)</option>{options}</select></label>
<textarea id="q" name="query" spellcheck="false">{e(first)}</textarea>
<label>Result format: <select id="fmt" name="format">{formats}</select></label>
<button type="submit">Run</button> <button type="button" id="tbl">Run as table</button>
</form>
<div id="msg"></div><table id="out"></table>
<script id="query-data" type="application/json">{script_json(data)}</script>"""


# ----------------------------------------------------------------- the frame of every page


def _html(status: int, title: str, main: str, script: str = "") -> Answer:
    """A whole page: `main` (HTML, every text in it escaped) in the frame of every page, and
    the page's own `script` (ours, never data), allowed to run by a fresh nonce."""
    nonce = secrets.token_urlsafe(16)
    parts = [PAGE_HEAD.replace("%%NONCE%%", nonce), e(title), PAGE_TOP, main, PAGE_END]
    for js in (SEARCH_JS, script):
        if js:
            parts.insert(-1, f'<script nonce="{nonce}">{js}</script>\n')
    headers = {"Content-Security-Policy": CSP.format(nonce=nonce),
               "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}  # fmt: skip
    return Answer(status, "text/html; charset=utf-8", "".join(parts).encode("utf-8"), headers)


PAGE_HEAD = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="%%NONCE%%">
body { font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif; margin: 0;
  color: #222; font-size: 15px; }
header { display: flex; gap: 1em; align-items: center; padding: 6px 16px;
  border-bottom: 1px solid #ddd; background: #f7f7f9; }
header a.home { font-weight: bold; color: #222; text-decoration: none; }
#search-box { position: relative; }
#search { width: 22em; padding: 4px 6px; }
#hits { position: absolute; z-index: 10; background: #fff; border: 1px solid #ccc; margin: 0;
  padding: 0; list-style: none; min-width: 22em; max-height: 70vh; overflow-y: auto; }
#hits li a { display: block; padding: 3px 8px; color: #222; text-decoration: none; }
#hits li a:hover, #hits li a.active { background: #eef; }
#hits .cls, #hits .hit { color: #777; font-size: 12px; margin-left: 6px; }
main { padding: 8px 16px 40px; max-width: 80em; }
h1 { font-size: 22px; margin: 10px 0 2px; } h2 { font-size: 17px; margin-top: 1.4em; }
h3 { font-size: 15px; }
.iri { color: #666; font-family: monospace; margin: 0 0 8px; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; }
dt { color: #666; } dd { margin: 0; }
table { border-collapse: collapse; margin-top: 0.6em; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; vertical-align: top; }
table.props th { font-weight: normal; color: #555; }
ul.facts { list-style: none; padding-left: 0; } li.fact { margin: 10px 0; }
.fact-head { font-weight: bold; } li.fact > ul { list-style: none; padding-left: 1em; }
li.claim { margin: 6px 0; }
blockquote { margin: 2px 0 2px 1em; padding: 2px 8px; border-left: 3px solid #ccc;
  background: #fafafa; white-space: pre-wrap; }
.badge { display: inline-block; font-size: 12px; padding: 0 6px; border-radius: 3px;
  background: #e4ecf7; }
.badge.reported { background: #dbe9ff; } .badge.hedged { background: #ffe3c4; }
.badge.planned { background: #e3f5d8; } .badge.denied { background: #f6d0d0; }
.date, .extra { color: #555; font-size: 13px; margin-left: 6px; }
a.source { font-size: 13px; margin-left: 1em; }
.note, .error { background: #fff4d6; border: 1px solid #e8c96a; padding: 4px 8px; }
textarea { width: 100%; height: 16em; font-family: monospace; }
#msg { white-space: pre-wrap; font-family: monospace; margin-top: 6px; }
#out .label { color: #666; margin-left: 4px; }
</style><title>"""
PAGE_TOP = """</title></head><body>
<header><a class="home" href="/">kg: chip supply chain knowledge graph</a>
<div id="search-box"><input id="search" type="search" autocomplete="off"
 placeholder="Search entities (日本語 / English / ticker)" aria-label="Search entities">
<ul id="hits" hidden></ul></div></header>
<main>
"""
PAGE_END = """</main>
</body></html>
"""

# search-as-you-type: every result goes into the page as text (textContent), links by href
SEARCH_JS = r"""
"use strict";
(function () {
  const box = document.getElementById("search"), list = document.getElementById("hits");
  let timer = null, seq = 0;
  function show(hits) {
    list.replaceChildren();
    for (const h of hits) {
      const a = document.createElement("a");
      a.href = h.href;
      a.textContent = h.name;
      const cls = document.createElement("span"); cls.className = "cls"; cls.textContent = h.class;
      a.append(cls);
      if (h.matched !== h.name) {
        const m = document.createElement("span"); m.className = "hit"; m.textContent = h.matched;
        a.append(m);
      }
      const li = document.createElement("li"); li.append(a); list.append(li);
    }
    list.hidden = hits.length === 0;
  }
  async function lookup() {
    const mine = ++seq, text = box.value.trim();
    if (!text) { show([]); return; }
    const r = await fetch("/search?q=" + encodeURIComponent(text));
    if (!r.ok || mine !== seq) return;
    show(await r.json());
  }
  box.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(lookup, 120); });
  box.addEventListener("keydown", (ev) => {
    const links = [...list.querySelectorAll("a")];
    if (!links.length) return;
    let i = links.findIndex((a) => a.classList.contains("active"));
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (i >= 0) links[i].classList.remove("active");
      i = ev.key === "ArrowDown" ? Math.min(links.length - 1, i + 1) : Math.max(0, i - 1);
      links[i].classList.add("active");
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      window.location.href = links[Math.max(0, i)].href;
    } else if (ev.key === "Escape") { show([]); }
  });
  window.kgSearch = lookup;
})();
"""

# the query page: examples, a table of results whose IRIs link to their pages, with labels
QUERY_JS = r"""
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("query-data").textContent);
  const q = document.getElementById("q"), msg = document.getElementById("msg");
  const out = document.getElementById("out");
  document.getElementById("ex").addEventListener("change", (ev) => {
    if (ev.target.value !== "") q.value = DATA.examples[Number(ev.target.value)];
  });
  const prefixes = Object.entries(DATA.prefixes).sort((a, b) => b[1].length - a[1].length);
  // as kg query prints it: the local part escaped as SPARQL requires (art:blog\/x.md)
  function shortName(iri) {
    for (const [p, ns] of prefixes) {
      const local = iri.slice(ns.length);
      if (iri.startsWith(ns) && /^[\w.\-~!$&'()*+,;=\/?#@%:]*$/.test(local)) {
        return p + ":" + local.replace(/[~!$&'()*+,;=\/?#@]/g, "\\$&")
          .replace(/^[.\-]|\.$/g, "\\$&");
      }
    }
    return "<" + iri + ">";
  }
  function pageOf(iri) {
    if (iri.startsWith(DATA.article)) return "/article?iri=" + encodeURIComponent(iri);
    return "/entity?iri=" + encodeURIComponent(iri);
  }
  async function post(query) {
    const r = await fetch("/query", { method: "POST", body: new URLSearchParams({ query }),
      headers: { "Accept": "application/sparql-results+json" } });
    const text = await r.text();
    if (!r.ok) throw new Error("HTTP " + r.status + ": " + text);
    return JSON.parse(text);
  }
  async function labelsOf(iris) {
    const found = new Map();
    const mine = iris.filter((i) => i.startsWith(DATA.entity)).slice(0, 500);
    if (!mine.length) return found;
    const values = mine.map((i) => "<" + i + ">").join(" ");
    const data = await post("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
      + "SELECT DISTINCT ?e ?l WHERE { VALUES ?e { " + values + " } ?e rdfs:label ?l "
      + "FILTER(LANG(?l) = \"ja\") }");
    for (const b of data.results.bindings) found.set(b.e.value, b.l.value);
    return found;
  }
  function cell(row, term, tag, names) {
    const c = document.createElement(tag);
    if (term && term.type === "uri") {
      const a = document.createElement("a");
      a.href = pageOf(term.value); a.textContent = shortName(term.value);
      c.append(a);
      const label = names.get(term.value);
      if (label) {
        const s = document.createElement("span"); s.className = "label";
        s.textContent = label; c.append(s);
      }
    } else {
      c.textContent = term ? term.value : "";
    }
    row.appendChild(c);
  }
  document.getElementById("tbl").addEventListener("click", async () => {
    out.replaceChildren(); msg.textContent = "running…";
    let data;
    try { data = await post(q.value); }
    catch (err) { msg.textContent = String(err.message); return; }
    if ("boolean" in data) { msg.textContent = String(data.boolean); return; }
    const vars = data.head.vars, bindings = data.results.bindings;
    const iris = [...new Set(bindings.flatMap((b) => vars.map((v) => b[v])
      .filter((t) => t && t.type === "uri").map((t) => t.value)))];
    let names = new Map();
    try { names = await labelsOf(iris); } catch (err) { /* labels are a nicety */ }
    const head = document.createElement("tr");
    for (const v of vars) { const th = document.createElement("th"); th.textContent = v;
      head.appendChild(th); }
    out.appendChild(head);
    for (const b of bindings) {
      const row = document.createElement("tr");
      for (const v of vars) cell(row, b[v], "td", names);
      out.appendChild(row);
    }
    msg.textContent = bindings.length + (bindings.length === 1 ? " row" : " rows");
  });
})();
"""
