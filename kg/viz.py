"""Viz stage: the graph as one self-contained, interactive HTML page (vis-network via pyvis).

pyvis defines the network (nodes, edges, options); the page itself comes from the template
below, not from pyvis's, because pyvis's templates load Bootstrap and vis-network from CDNs
and put headings and tooltips into the page as HTML. Here:

- vis-network's JavaScript and CSS (shipped inside the pyvis wheel) are inlined, and a
  Content-Security-Policy forbids the page any request, so opening it fetches nothing;
- all text from articles (labels, sentences, titles) travels as JSON in a
  `<script type="application/json">` block with `<`, `>` and `&` escaped, and the page's
  own script turns it into DOM text nodes (`textContent`), never into HTML;
- physics stabilises in a bounded number of iterations and then stops.

Nodes are coloured by class and sized by degree; edges are coloured by relation and dashed by
modality (reported, hedged and planned claims each look different from asserted ones). One
edge stands for one (subject, relation, object) and carries every claim behind it: hovering
or clicking it shows each sentence with the article's title and date.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import QueryError
from kg.vocab import CLASSES, KG, MODALITIES, SYMMETRIC

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

VERSION = "kg.viz.v1"
DEFAULT_MAX_NODES = 500
VIS_VERSION = "9.1.2"

CLASS_COLORS = {
    "Company": "#4e79a7",
    "GovernmentBody": "#e15759",
    "Country": "#f28e2b",
    "Place": "#edc948",
    "Association": "#76b7b2",
    "Product": "#59a14f",
    "Technology": "#b07aa1",
    "Entity": "#9c9c9c",
}
LISTED_BORDER = "#8b0000"  # the ring of a node on an official list (kg lists import)
RELATION_COLORS = {
    "suppliesTo": "#1f77b4",
    "manufacturesFor": "#17becf",
    "ownedBy": "#8c564b",
    "subsidiaryOf": "#c49c94",
    "investsIn": "#2ca02c",
    "competesWith": "#d62728",
    "partnersWith": "#9467bd",
    "acquires": "#e377c2",
    "restrictsExportsTo": "#ff7f0e",
    "imposesTariffOn": "#bcbd22",
    "sanctions": "#7f0000",
    "develops": "#7f7f7f",
    "uses": "#98df8a",
    "basedIn": "#c7c7c7",
}
# vis-network dash patterns; asserted claims are solid lines
MODALITY_DASHES: dict[str, bool | list[int]] = {
    "asserted": False,
    "reported": [2, 5],
    "hedged": [8, 6],
    "planned": [14, 4, 2, 4],
    "denied": [1, 9],
}
# the style of an edge with claims of several modalities: the first one present
MODALITY_PRECEDENCE = ("asserted", "reported", "planned", "hedged", "denied")

UI = {
    "search": {"ja": "エンティティを検索", "en": "Search entities"},
    "lang": {"ja": "English", "en": "日本語"},
    "classes": {"ja": "クラス", "en": "Classes"},
    "relations": {"ja": "関係", "en": "Relations"},
    "modalities": {"ja": "モダリティ", "en": "Modality"},
    "details": {"ja": "クリックで詳細を表示", "en": "Click a node or an edge for details"},
    "evidence": {"ja": "根拠", "en": "Evidence"},
    "aliases": {"ja": "別名", "en": "Aliases"},
    "degree": {"ja": "関係数", "en": "Facts"},
    "nodes": {"ja": "ノード", "en": "nodes"},
    "edges": {"ja": "エッジ", "en": "edges"},
    "more": {"ja": "件 (クリックですべて表示)", "en": "more (click the edge)"},
    "untitled": {"ja": "(無題)", "en": "(untitled)"},
    "undated": {"ja": "日付なし", "en": "no date"},
    "matches": {"ja": "件一致", "en": "matches"},
}


# ----------------------------------------------------------------- what to draw


@cache
def term_labels() -> dict[str, dict[str, str]]:
    """Japanese and English labels of the classes, relations and modalities (ontology/kg.ttl)."""
    from rdflib import Graph
    from rdflib.namespace import RDFS

    from kg.vocab import ontology_dir

    g = Graph().parse(ontology_dir() / "kg.ttl")
    out: dict[str, dict[str, str]] = {}
    for s, o in g.subject_objects(RDFS.label):
        if str(s).startswith(str(KG)) and getattr(o, "language", None) in ("ja", "en"):
            out.setdefault(str(s).removeprefix(str(KG)), {})[o.language] = str(o)
    return out


def _term(name: str) -> dict[str, str]:
    labels = term_labels().get(name, {})
    return {"ja": labels.get("ja") or name, "en": labels.get("en") or name}


@dataclass(frozen=True)
class Selection:
    """The part of a graph a page shows, and what was left out."""

    graph: nx.MultiDiGraph
    total_nodes: int
    total_edges: int
    truncated: bool
    note_ja: str | None
    note_en: str | None


def select(
    g: nx.MultiDiGraph,
    *,
    focus: Iterable[str] = (),
    depth: int = 1,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> Selection:
    """The subgraph to draw.

    With `focus`, the entities within `depth` edges (either direction) of the focus nodes;
    without, the whole graph. When that is more than `max_nodes` entities, the most connected
    ones are kept (nearest to the focus first, then by degree) and the notes say so.
    """
    import networkx as nx

    if max_nodes < 1:
        raise QueryError(f"--max-nodes must be at least 1, not {max_nodes}")
    if depth < 0:
        raise QueryError(f"--depth must be 0 or more, not {depth}")
    focus = sorted(set(focus))
    und = nx.Graph(g.to_undirected(as_view=True))  # distinct neighbours
    degree = dict(und.degree())
    if focus:
        dist: dict[str, int] = {}
        for f in focus:
            for n, d in nx.single_source_shortest_path_length(und, f, cutoff=depth).items():
                dist[n] = min(d, dist.get(n, d))
        pool = sorted(dist, key=lambda n: (dist[n], -degree[n], n))
    else:
        pool = sorted(g.nodes, key=lambda n: (-degree[n], n))
    keep = pool[:max_nodes]
    sub = g.subgraph(keep)
    truncated = len(pool) > max_nodes
    note_ja = note_en = None
    if truncated:
        what_ja = "フォーカス周辺" if focus else "全"
        what_en = "around the focus" if focus else "in the graph"
        note_ja = (f"{what_ja} {len(pool):,} エンティティのうち、つながりの多い {len(keep):,} "
                   f"件だけを表示しています (--max-nodes {max_nodes})。")  # fmt: skip
        note_en = (f"Showing the {len(keep):,} most connected of {len(pool):,} entities "
                   f"{what_en} (--max-nodes {max_nodes}).")  # fmt: skip
    return Selection(sub, g.number_of_nodes(), g.number_of_edges(), truncated, note_ja, note_en)


# ----------------------------------------------------------------- the network (pyvis)


def _style(modalities: Iterable[str]) -> str:
    present = set(modalities)
    return next((m for m in MODALITY_PRECEDENCE if m in present), "asserted")


def network_data(g: nx.MultiDiGraph, *, lang: str = "ja") -> dict:
    """Nodes, edges and vis options of `g`, defined through a pyvis `Network`.

    One edge per (subject, relation, object); its `claims` list the evidence of every claim.
    """
    import networkx as nx
    from pyvis.network import Network

    if lang not in ("ja", "en"):
        raise QueryError(f"unknown language {lang!r}; use ja or en")
    net = Network(directed=True, cdn_resources="in_line")
    degree = dict(nx.Graph(g.to_undirected(as_view=True)).degree())
    for n in sorted(g.nodes):
        d = g.nodes[n]
        cls = d.get("cls", "Entity")
        ja, en = d.get("label_ja") or n, d.get("label_en") or d.get("label_ja") or n
        color = CLASS_COLORS.get(cls, CLASS_COLORS["Entity"])
        listed = d.get("listed")  # on an official list: a thick dark red ring
        net.add_node(
            n, label=ja if lang == "ja" else en, shape="dot",
            color={"background": color, "border": LISTED_BORDER} if listed else color,
            borderWidth=4 if listed else 1,
            size=round(8 + 6 * math.sqrt(degree.get(n, 0)), 1),
            cls=cls, label_ja=ja, label_en=en, aliases=list(d.get("aliases", ())),
            degree=degree.get(n, 0), listed=listed or "",
        )  # fmt: skip

    facts: dict[tuple[str, str, str], list[dict]] = {}
    for s, o, d in g.edges(data=True):
        facts.setdefault((s, d["relation"], o), []).append(d)
    pair_index: Counter[frozenset] = Counter()
    for i, ((s, rel, o), claims) in enumerate(sorted(facts.items())):
        claims.sort(key=lambda c: (c.get("date") or "", c.get("title") or "", c["claim"]))
        modality = _style(c["modality"] for c in claims)
        pair = frozenset((s, o))
        k = pair_index[pair]
        pair_index[pair] += 1
        extra = {"smooth": {"type": "curvedCW", "roundness": 0.15 + 0.15 * k}} if k else {}
        net.add_edge(
            s, o, id=f"e{i}", relation=rel, modality=modality,
            color={"color": RELATION_COLORS.get(rel, "#888888"), "highlight": "#000000"},
            dashes=MODALITY_DASHES[modality],
            arrows="" if rel in SYMMETRIC else "to",
            width=round(1 + 0.75 * min(len(claims) - 1, 4), 2),
            symmetric=rel in SYMMETRIC,
            claims=[{
                "modality": c["modality"], "sentence": c.get("sentence") or "",
                "title": c.get("title"), "date": c.get("date"), "article": c.get("article"),
                "confidence": c.get("confidence"),
            } for c in claims],
            **extra,
        )  # fmt: skip

    n = len(net.nodes)
    net.set_options(json.dumps({
        "nodes": {"shape": "dot", "borderWidth": 1, "font": {"size": 14, "strokeWidth": 3}},
        "edges": {"font": {"size": 10, "align": "middle", "strokeWidth": 3},
                  "smooth": {"type": "continuous"}, "selectionWidth": 2},
        "physics": {
            "enabled": True, "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -6000, "springLength": 150,
                          "springConstant": 0.03, "avoidOverlap": 0.2},
            "stabilization": {"enabled": True, "iterations": 300 if n <= 300 else 150,
                              "updateInterval": 50, "fit": True},
            "minVelocity": 1.0,
        },
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n > 300,
                        "multiselect": True},
        "layout": {"improvedLayout": n <= 150, "randomSeed": 7},
    }))  # fmt: skip
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    return {"nodes": nodes, "edges": edges, "options": json.loads(options)}


def _terms(g: nx.MultiDiGraph) -> dict:
    from kg.vocab import relations

    classes = {c: {**_term(c), "color": CLASS_COLORS[c]} for c in (*CLASSES, "Entity")}
    rels = {r: {**_term(r), "color": RELATION_COLORS.get(r, "#888888"),
                "symmetric": r in SYMMETRIC} for r in relations()}  # fmt: skip
    mods = {m: {**_term(m), "dashes": MODALITY_DASHES[m]} for m in MODALITIES}
    return {"classes": classes, "relations": rels, "modalities": mods, "ui": UI}


# ----------------------------------------------------------------- the page


def script_json(data) -> str:
    """JSON that is safe inside a <script> element: no `<`, `>` or `&` survive literally."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@cache
def vis_assets() -> tuple[str, str]:
    """vis-network's standalone JavaScript and CSS, from inside the installed pyvis package."""
    from importlib.resources import files

    base = files("pyvis") / "templates" / "lib" / f"vis-{VIS_VERSION}"
    js = (base / "vis-network.min.js").read_text(encoding="utf-8")
    css = (base / "vis-network.css").read_text(encoding="utf-8")
    for name, text, closer in (("js", js, "</script"), ("css", css, "</style")):
        low = text.lower()
        if closer in low or "<!--" in low:
            raise QueryError(f"vis-network {name} from pyvis cannot be inlined safely ({closer})")
    return js, css


def page_html(
    g: nx.MultiDiGraph,
    *,
    title: str = "半導体サプライチェーン知識グラフ",
    lang: str = "ja",
    note_ja: str | None = None,
    note_en: str | None = None,
) -> str:
    """The whole page for `g` as one HTML string (no external resources)."""
    data = network_data(g, lang=lang)
    data.update(
        title=title, lang=lang, note={"ja": note_ja, "en": note_en} if note_ja else None,
        terms=_terms(g), version=VERSION,
    )  # fmt: skip
    js, css = vis_assets()
    return (
        PAGE.replace("%%LANG%%", lang)
        .replace("%%TITLE%%", html.escape(title))
        .replace("%%VIS_CSS%%", css)
        .replace("%%PAGE_CSS%%", PAGE_CSS)
        .replace("%%DATA%%", script_json(data))
        .replace("%%VIS_JS%%", js)
        .replace("%%APP_JS%%", APP_JS.replace("%%DOM_JS%%", DOM_JS))
    )


@dataclass(frozen=True)
class VizReport:
    path: Path
    nodes: int
    edges: int  # drawn edges: distinct (subject, relation, object)
    claims: int
    total_nodes: int
    truncated: bool
    note: str | None


def write_html(text: str, output: str | os.PathLike) -> Path:
    """Write a page to `output` (its directory made if need be); QueryError if it cannot."""
    path = Path(output)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"cannot write {path}: {exc}") from exc
    return path


def write_page(
    g: nx.MultiDiGraph,
    output: str | os.PathLike,
    *,
    focus: Iterable[str] = (),
    depth: int = 1,
    max_nodes: int = DEFAULT_MAX_NODES,
    lang: str = "ja",
    title: str = "半導体サプライチェーン知識グラフ",
) -> VizReport:
    """Select the part of `g` to draw (see `select`) and write the page to `output`."""
    sel = select(g, focus=focus, depth=depth, max_nodes=max_nodes)
    text = page_html(sel.graph, title=title, lang=lang, note_ja=sel.note_ja, note_en=sel.note_en)
    path = write_html(text, output)
    sub = sel.graph
    drawn = {(s, d["relation"], o) for s, o, d in sub.edges(data=True)}
    return VizReport(
        path=path, nodes=sub.number_of_nodes(), edges=len(drawn), claims=sub.number_of_edges(),
        total_nodes=sel.total_nodes, truncated=sel.truncated, note=sel.note_en,
    )  # fmt: skip


def render(
    store: ox.Store,
    output: str | os.PathLike,
    *,
    focus: Sequence[str] = (),
    depth: int = 1,
    relations: Sequence[str] = (),
    since: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    lang: str = "ja",
    until: str | None = None,
    as_of: str | None = None,
) -> VizReport:
    """`kg viz`: project the store (`relations`; claims in time: `since`, `until`, `as_of`),
    focus on the entities named in `focus` (any label, alias or ticker), and write the page
    to `output`."""
    from kg.analysis import project, resolve_or_fail
    from kg.lists import listed_marks

    g = project(store, relations=relations or None, since=since, until=until, as_of=as_of)
    for entity, text in listed_marks(store).items():  # firms on an official list
        if entity in g:
            g.nodes[entity]["listed"] = text
    nodes: set[str] = set()
    for name in focus:
        nodes |= resolve_or_fail(store, g, name)
    title = "半導体サプライチェーン知識グラフ"
    if focus:
        title += " — " + "、".join(focus)
    return write_page(g, output, focus=nodes, depth=depth, max_nodes=max_nodes, lang=lang,
                      title=title)  # fmt: skip


class Inline:
    """A page shown inside a notebook: an iframe whose `srcdoc` is the escaped page."""

    def __init__(self, page: str, height: int = 650) -> None:
        self.page = page
        self.height = height

    def _repr_html_(self) -> str:
        doc = html.escape(self.page, quote=True)
        style = f"width:100%;height:{self.height}px;border:1px solid #ccc"
        return f'<iframe srcdoc="{doc}" sandbox="allow-scripts" style="{style}"></iframe>'


def inline(g: nx.MultiDiGraph, *, max_nodes: int = DEFAULT_MAX_NODES, lang: str = "ja",
           height: int = 650) -> Inline:  # fmt: skip
    """The page for `g` for display in a notebook (the cell's output shows the graph)."""
    sel = select(g, max_nodes=max_nodes)
    return Inline(page_html(sel.graph, lang=lang, note_ja=sel.note_ja, note_en=sel.note_en),
                  height=height)  # fmt: skip


# ----------------------------------------------------------------- template

# The start of every page of ours: no request allowed (scripts and styles inline only).
HEAD = """<!DOCTYPE html>
<html lang="%%LANG%%">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%%TITLE%%</title>
"""

PAGE = (
    HEAD
    + """<style>%%VIS_CSS%%</style>
<style>%%PAGE_CSS%%</style>
</head>
<body>
<header id="kg-header">
  <h1 id="kg-title"></h1>
  <div id="kg-controls">
    <input id="kg-search" type="search" autocomplete="off">
    <button id="kg-lang" type="button"></button>
    <span id="kg-counts"></span>
  </div>
  <p id="kg-note" hidden></p>
</header>
<main>
  <div id="kg-network"></div>
  <aside id="kg-side">
    <ul id="kg-results"></ul>
    <section id="kg-details"></section>
    <section id="kg-legend"></section>
  </aside>
</main>
<script id="kg-data" type="application/json">%%DATA%%</script>
<script>%%VIS_JS%%</script>
<script>%%APP_JS%%</script>
</body>
</html>
"""
)

PAGE_CSS = """
html, body { margin: 0; height: 100%; font-family: "Noto Sans CJK JP", "Hiragino Sans",
  "Yu Gothic", "Meiryo", sans-serif; font-size: 14px; color: #222; }
body { display: flex; flex-direction: column; }
#kg-header { padding: 6px 12px; border-bottom: 1px solid #ddd; }
#kg-title { font-size: 18px; margin: 2px 0 6px; }
#kg-controls { display: flex; gap: 8px; align-items: center; }
#kg-search { width: 260px; padding: 4px 6px; }
#kg-counts { color: #666; }
#kg-note { margin: 6px 0 0; padding: 4px 8px; background: #fff4d6; border: 1px solid #e8c96a; }
main { flex: 1; display: flex; min-height: 0; }
#kg-network { flex: 1; min-width: 0; height: 100%; }
#kg-side { width: 340px; overflow-y: auto; border-left: 1px solid #ddd; padding: 8px 10px; }
#kg-results { list-style: none; padding: 0; margin: 0 0 8px; }
#kg-results li { cursor: pointer; padding: 2px 4px; }
#kg-results li:hover { background: #eef; }
#kg-legend h3, #kg-details h3 { font-size: 13px; margin: 10px 0 4px; }
#kg-legend label, #kg-legend div.item { display: flex; align-items: center; gap: 6px;
  font-size: 12px; margin: 1px 0; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%; }
.claim { margin: 6px 0; padding: 4px 6px; border-left: 3px solid #bbb; background: #fafafa; }
.claim .sentence { white-space: pre-wrap; }
.claim .source { color: #555; font-size: 12px; margin-top: 2px; }
.badge { display: inline-block; font-size: 11px; padding: 0 5px; border-radius: 3px;
  background: #eee; margin-right: 4px; }
.badge.reported { background: #dbe9ff; } .badge.hedged { background: #ffe3c4; }
.badge.planned { background: #e3f5d8; } .badge.denied { background: #f6d0d0; }
.tip { max-width: 420px; white-space: normal; font-size: 12px; }
.tip .head { font-weight: bold; margin-bottom: 4px; }
div.vis-tooltip { white-space: normal; }
"""

# Every page's one way of making elements (used by the page scripts of kg.viz, kg.timeline).
DOM_JS = r"""
  // Every piece of text goes into the page as a text node: h() never parses HTML.
  function h(tag, props, children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") e.textContent = v;
      else if (k === "class") e.className = v;
      else if (k === "on") for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
      else e.setAttribute(k, v);
    }
    for (const c of children || []) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
"""

APP_JS = r"""
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("kg-data").textContent);
  const T = DATA.terms;
  let lang = DATA.lang;
  const TIP_CLAIMS = 3;

%%DOM_JS%%
  function svgLine(color, dashes) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "34"); svg.setAttribute("height", "8");
    const line = document.createElementNS(ns, "line");
    line.setAttribute("x1", "1"); line.setAttribute("y1", "4");
    line.setAttribute("x2", "33"); line.setAttribute("y2", "4");
    line.setAttribute("stroke", color); line.setAttribute("stroke-width", "2");
    if (dashes) line.setAttribute("stroke-dasharray", dashes.join(" "));
    svg.append(line);
    return svg;
  }
  const tr = (term) => (term && (term[lang] || term.en || term.ja)) || "";
  const ui = (key) => tr(T.ui[key]);
  // the same key as kg.entities.normalize_name: NFKC, case-folded, no spaces or punctuation
  const SEP = new RegExp("[\\s\\u30fb\\uff65\\u00b7\\-\\u2010\\u2011\\u2013\\u2014\\u2500_.,'"
    + "\\u2019()\\uff08\\uff09\\u003c\\u003e\\[\\]]", "g");
  const norm = (s) => String(s || "").normalize("NFKC").toLowerCase().replace(SEP, "");

  const nodeById = new Map(DATA.nodes.map((n) => [n.id, n]));
  const edgeById = new Map(DATA.edges.map((e) => [e.id, e]));
  const nodeLabel = (n) => (lang === "en" ? n.label_en || n.label_ja : n.label_ja || n.label_en);
  const relName = (r) => tr(T.relations[r]) || r;
  const modName = (m) => tr(T.modalities[m]) || m;
  function edgeLabel(e) {
    const rel = relName(e.relation);
    return e.modality === "asserted" ? rel : rel + " (" + modName(e.modality) + ")";
  }
  function edgeHead(e) {
    const arrow = e.symmetric ? " \u2014 " : " \u2192 ";
    return nodeLabel(nodeById.get(e.from)) + " \u2014" + relName(e.relation) + arrow
      + nodeLabel(nodeById.get(e.to));
  }
  function claimBox(c) {
    const where = [c.title || ui("untitled"), c.date || ui("undated")].join(" \u00b7 ");
    return h("div", { class: "claim" }, [
      h("span", { class: "badge " + c.modality, text: modName(c.modality) }),
      h("span", { class: "sentence", text: c.sentence }),
      h("div", { class: "source", text: where }),
    ]);
  }
  function edgeTip(e) {
    const shown = e.claims.slice(0, TIP_CLAIMS).map(claimBox);
    const rest = e.claims.length - shown.length;
    return h("div", { class: "tip" }, [
      h("div", { class: "head", text: edgeHead(e) }),
      ...shown,
      rest > 0 ? h("div", { text: "+" + rest + " " + ui("more") }) : null,
    ]);
  }
  function nodeTip(n) {
    const cls = tr(T.classes[n.cls]);
    return h("div", { class: "tip" }, [
      h("div", { class: "head", text: nodeLabel(n) }),
      h("div", { text: [n.label_ja, n.label_en].filter((x, i, a) => x && a.indexOf(x) === i)
        .join(" / ") + " \u00b7 " + cls + " \u00b7 " + ui("degree") + " " + n.degree }),
      n.listed ? h("div", { text: n.listed }) : null,
    ]);
  }
  const visNode = (n) => ({ id: n.id, label: nodeLabel(n), title: nodeTip(n) });
  const visEdge = (e) => ({ id: e.id, label: edgeLabel(e), title: edgeTip(e) });

  const nodes = new vis.DataSet(DATA.nodes.map((n) => Object.assign({}, n, visNode(n))));
  const edges = new vis.DataSet(DATA.edges.map((e) => Object.assign({}, e, visEdge(e))));
  const container = document.getElementById("kg-network");
  const network = new vis.Network(container, {}, DATA.options);

  function markReady() {
    network.once("afterDrawing", () => { document.documentElement.dataset.kgReady = "1"; });
    network.redraw();
  }
  network.once("stabilizationIterationsDone", () => {
    network.setOptions({ physics: { enabled: false } });
    network.fit();
    markReady();
  });
  network.setData({ nodes: nodes, edges: edges });
  if (DATA.nodes.length === 0) document.documentElement.dataset.kgReady = "1";

  // ------------------------------------------------------------- details panel
  const details = document.getElementById("kg-details");
  let shown = null;
  function showEdge(id) {
    const e = edgeById.get(id);
    if (!e) return;
    shown = ["edge", id];
    details.replaceChildren(
      h("h3", { text: edgeHead(e) }),
      h("div", { text: ui("evidence") + " (" + e.claims.length + ")" }),
      ...e.claims.map(claimBox),
    );
  }
  function showNode(id) {
    const n = nodeById.get(id);
    if (!n) return;
    shown = ["node", id];
    const mine = DATA.edges.filter((e) => e.from === id || e.to === id);
    details.replaceChildren(
      h("h3", { text: nodeLabel(n) }),
      h("div", { text: [n.label_ja, n.label_en].filter((x, i, a) => x && a.indexOf(x) === i)
        .join(" / ") }),
      h("div", { text: tr(T.classes[n.cls]) + " \u00b7 " + ui("degree") + " " + n.degree }),
      n.listed ? h("div", { text: n.listed }) : null,
      n.aliases.length ? h("div", { text: ui("aliases") + ": " + n.aliases.join(", ") }) : null,
      h("ul", {}, mine.map((e) => h("li", { text: edgeLabel(e) + ": " + edgeHead(e),
        on: { click: () => showEdge(e.id) } }))),
    );
  }
  function showNothing() {
    shown = null;
    details.replaceChildren(h("p", { text: ui("details") }));
  }
  network.on("click", (p) => {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
  });

  // ------------------------------------------------------------- legend and filters
  const hiddenRel = new Set();
  const hiddenMod = new Set();
  function applyFilters() {
    edges.update(DATA.edges.map((e) => ({
      id: e.id, hidden: hiddenRel.has(e.relation) || hiddenMod.has(e.modality) })));
  }
  const count = (key, value) => DATA.edges.filter((e) => e[key] === value).length;
  function legend() {
    const classCounts = {};
    for (const n of DATA.nodes) classCounts[n.cls] = (classCounts[n.cls] || 0) + 1;
    const box = (set, key) => {
      const b = h("input", { type: "checkbox" });
      b.checked = !set.has(key);
      b.addEventListener("change", () => { if (b.checked) set.delete(key); else set.add(key);
        applyFilters(); });
      return b;
    };
    const part = [h("h3", { text: ui("classes") })];
    for (const [c, t] of Object.entries(T.classes)) {
      if (!classCounts[c]) continue;
      part.push(h("div", { class: "item" }, [
        h("span", { class: "swatch", style: "background:" + t.color }),
        h("span", { text: tr(t) + " (" + classCounts[c] + ")" })]));
    }
    part.push(h("h3", { text: ui("relations") }));
    for (const [r, t] of Object.entries(T.relations)) {
      const n = count("relation", r);
      if (!n) continue;
      part.push(h("label", {}, [box(hiddenRel, r), svgLine(t.color, null),
        h("span", { text: tr(t) + " (" + n + ")" })]));
    }
    part.push(h("h3", { text: ui("modalities") }));
    for (const [m, t] of Object.entries(T.modalities)) {
      const n = count("modality", m);
      if (!n && m === "denied") continue;
      part.push(h("label", {}, [box(hiddenMod, m), svgLine("#444", t.dashes || null),
        h("span", { text: tr(t) + " (" + n + ")" })]));
    }
    document.getElementById("kg-legend").replaceChildren(...part);
  }

  // ------------------------------------------------------------- search
  const search = document.getElementById("kg-search");
  const results = document.getElementById("kg-results");
  function focusNode(id) {
    network.selectNodes([id]);
    network.focus(id, { scale: 1.2, animation: { duration: 300 } });
    showNode(id);
  }
  function find(text) {
    const q = norm(text);
    if (!q) return [];
    return DATA.nodes.filter((n) => [n.label_ja, n.label_en, ...n.aliases]
      .some((x) => norm(x).includes(q))).map((n) => n.id);
  }
  function runSearch() {
    const ids = find(search.value);
    network.selectNodes(ids);
    results.replaceChildren(
      ...(search.value ? [h("li", { text: ids.length + " " + ui("matches") })] : []),
      ...ids.slice(0, 30).map((id) => h("li", { text: nodeLabel(nodeById.get(id)),
        on: { click: () => focusNode(id) } })));
    return ids;
  }
  search.addEventListener("input", runSearch);
  search.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { const ids = runSearch(); if (ids.length) focusNode(ids[0]); }
  });

  // ------------------------------------------------------------- language
  function setLang(l) {
    lang = l === "en" ? "en" : "ja";
    document.documentElement.lang = lang;
    document.getElementById("kg-title").textContent = DATA.title;
    document.getElementById("kg-lang").textContent = ui("lang");
    search.placeholder = ui("search");
    document.getElementById("kg-counts").textContent = DATA.nodes.length + " " + ui("nodes")
      + " \u00b7 " + DATA.edges.length + " " + ui("edges");
    const note = document.getElementById("kg-note");
    note.hidden = !DATA.note;
    if (DATA.note) note.textContent = DATA.note[lang];
    nodes.update(DATA.nodes.map(visNode));
    edges.update(DATA.edges.map(visEdge));
    legend();
    if (shown && shown[0] === "edge") showEdge(shown[1]);
    else if (shown) showNode(shown[1]);
    else showNothing();
    runSearch();
  }
  document.getElementById("kg-lang").addEventListener("click",
    () => setLang(lang === "ja" ? "en" : "ja"));
  setLang(lang);

  window.kg = { network: network, nodes: nodes, edges: edges, data: DATA,
    showNode: showNode, showEdge: showEdge, setLang: setLang, find: find, focusNode: focusNode };
})();
"""
