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

The graph can be walked in the page: it holds the part of the graph first shown (the focus
and its neighbourhood, or the most connected entities) and, around it, the entities within
reach of it, up to `embed` entities, so that a node can be expanded (double-click, or the
button in its panel) and the view re-focused on any node at a chosen depth. Relations,
modalities and a range of article dates filter the edges; a node left without an edge is
hidden. Labels scale with the number of facts and are drawn only when big enough on screen,
so the most connected entities are named at any zoom and the rest as one zooms in.
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
from kg.vocab import CLASSES, MODALITIES, SYMMETRIC, term_labels

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

VERSION = "kg.viz.v2"
DEFAULT_MAX_NODES = 500
EMBED_FACTOR = 4  # entities held in the page for walking: this many times those shown
LABEL_THRESHOLD = 10  # px on screen under which a label is not drawn
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
    "details": {"ja": "クリックで詳細を表示、ダブルクリックで隣接ノードを展開",
                "en": "Click a node or an edge for details, double-click a node to expand it"},
    "evidence": {"ja": "根拠", "en": "Evidence"},
    "aliases": {"ja": "別名", "en": "Aliases"},
    "degree": {"ja": "関係数", "en": "Facts"},
    "nodes": {"ja": "ノード", "en": "nodes"},
    "edges": {"ja": "エッジ", "en": "edges"},
    "more": {"ja": "件 (クリックですべて表示)", "en": "more (click the edge)"},
    "untitled": {"ja": "(無題)", "en": "(untitled)"},
    "undated": {"ja": "日付なし", "en": "no date"},
    "matches": {"ja": "件一致", "en": "matches"},
    "expand": {"ja": "隣接ノードを展開", "en": "Expand neighbours"},
    "focus": {"ja": "ここを中心に表示", "en": "Focus here"},
    "depth": {"ja": "深さ", "en": "Depth"},
    "reset": {"ja": "最初の表示に戻す", "en": "Back to the first view"},
    "dates": {"ja": "記事の日付", "en": "Article dates"},
    "beyond": {"ja": "件の隣接ノードはこのページにありません (kg viz --focus で)",
               "en": "more neighbours are not in this page (kg viz --focus)"},
}  # fmt: skip


# ----------------------------------------------------------------- what to draw


def _term(name: str) -> dict[str, str]:
    labels = term_labels().get(name, {})
    return {"ja": labels.get("ja") or name, "en": labels.get("en") or name}


@dataclass(frozen=True)
class Selection:
    """The part of a graph a page holds, the part it first shows, and what was left out."""

    graph: nx.MultiDiGraph  # what the page holds: the shown entities and those around them
    shown: frozenset[str]  # the entities shown when the page opens
    focus: frozenset[str]  # shown even when the filters leave them no edge
    beyond: dict[str, int]  # per entity held, its neighbours the page does not hold
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
    embed: int | None = None,
) -> Selection:
    """The subgraph to draw, and the entities around it to hold for walking.

    With `focus`, the entities within `depth` edges (either direction) of the focus nodes are
    shown; without, the whole graph. When that is more than `max_nodes` entities, the most
    connected ones are kept (nearest to the focus first, then by degree) and the notes say so.
    The page also holds the entities nearest to those shown (then the most connected), up to
    `embed` entities in all (default EMBED_FACTOR times `max_nodes`), for expanding nodes.
    """
    import networkx as nx

    if max_nodes < 1:
        raise QueryError(f"--max-nodes must be at least 1, not {max_nodes}")
    if depth < 0:
        raise QueryError(f"--depth must be 0 or more, not {depth}")
    embed = max(max_nodes, EMBED_FACTOR * max_nodes if embed is None else embed)
    focus = sorted(set(focus))
    und = nx.Graph(g.to_undirected(as_view=True))  # distinct neighbours
    degree = dict(und.degree())
    if focus:
        dist = _distances(und, focus, depth)
        pool = sorted(dist, key=lambda n: (dist[n], -degree[n], n))
    else:
        pool = sorted(g.nodes, key=lambda n: (-degree[n], n))
    shown = pool[:max_nodes]
    around = _distances(und, shown, None)
    held = sorted(around, key=lambda n: (around[n], -degree[n], n))[:embed]
    sub = g.subgraph(held)
    inside = und.subgraph(held)
    beyond = {n: degree[n] - inside.degree(n) for n in held if degree[n] > inside.degree(n)}
    truncated = len(pool) > max_nodes
    note_ja = note_en = None
    if truncated:
        what_ja = "フォーカス周辺" if focus else "全"
        what_en = "around the focus" if focus else "in the graph"
        note_ja = (f"{what_ja} {len(pool):,} エンティティのうち、つながりの多い {len(shown):,} "
                   f"件だけを表示しています (--max-nodes {max_nodes})。")  # fmt: skip
        note_en = (f"Showing the {len(shown):,} most connected of {len(pool):,} entities "
                   f"{what_en} (--max-nodes {max_nodes}).")  # fmt: skip
    return Selection(sub, frozenset(shown), frozenset(focus), beyond, g.number_of_nodes(),
                     g.number_of_edges(), truncated, note_ja, note_en)  # fmt: skip


def _distances(und: nx.Graph, sources: Sequence[str], cutoff: int | None) -> dict[str, int]:
    """Hops from the nearest of `sources` to every node within `cutoff` (None: any)."""
    import networkx as nx

    if not sources:
        return {}
    return dict(nx.multi_source_dijkstra_path_length(und, set(sources), cutoff=cutoff,
                                                     weight=lambda u, v, d: 1))  # fmt: skip


# ----------------------------------------------------------------- the network (pyvis)


def _style(modalities: Iterable[str]) -> str:
    present = set(modalities)
    return next((m for m in MODALITY_PRECEDENCE if m in present), "asserted")


def network_data(
    g: nx.MultiDiGraph,
    *,
    lang: str = "ja",
    shown: Iterable[str] | None = None,
    beyond: dict[str, int] | None = None,
) -> dict:
    """Nodes, edges and vis options of `g`, defined through a pyvis `Network`.

    One edge per (subject, relation, object); its `claims` list the evidence of every claim.
    A node says whether the page first shows it (`shown`, default all) and how many of its
    neighbours the page does not hold (`beyond`).
    """
    import networkx as nx
    from pyvis.network import Network

    if lang not in ("ja", "en"):
        raise QueryError(f"unknown language {lang!r}; use ja or en")
    net = Network(directed=True, cdn_resources="in_line")
    degree = dict(nx.Graph(g.to_undirected(as_view=True)).degree())
    shown = set(g.nodes if shown is None else shown)
    beyond = beyond or {}
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
            value=round(math.sqrt(degree.get(n, 0) + beyond.get(n, 0)), 2),
            cls=cls, label_ja=ja, label_en=en, aliases=list(d.get("aliases", ())),
            degree=degree.get(n, 0) + beyond.get(n, 0), beyond=beyond.get(n, 0),
            shown=n in shown, listed=listed or "",
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
            value=min(len(claims), 5),
            symmetric=rel in SYMMETRIC,
            claims=[{
                "modality": c["modality"], "sentence": c.get("sentence") or "",
                "title": c.get("title"), "date": c.get("date"), "article": c.get("article"),
                "confidence": c.get("confidence"),
            } for c in claims],
            **extra,
        )  # fmt: skip

    n = len(shown)
    # a label's font grows with the node's facts (min .. max px at zoom 1) and is not drawn
    # below drawThreshold px on screen: zoomed out, only the most connected are named
    net.set_options(json.dumps({
        "nodes": {"shape": "dot", "borderWidth": 1, "font": {"size": 14, "strokeWidth": 3},
                  "scaling": {"min": 8, "max": 40, "label": {
                      "enabled": True, "min": 12, "max": 34, "maxVisible": 26,
                      "drawThreshold": LABEL_THRESHOLD}}},
        "edges": {"font": {"size": 10, "align": "middle", "strokeWidth": 3},
                  "scaling": {"min": 1, "max": 4, "label": {
                      "enabled": True, "min": 10, "max": 12, "maxVisible": 14,
                      "drawThreshold": LABEL_THRESHOLD}},
                  "smooth": {"type": "continuous"}, "selectionWidth": 2},
        "physics": {
            "enabled": True, "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -4000, "centralGravity": 0.8,
                          "springLength": 110, "springConstant": 0.03, "avoidOverlap": 0.2},
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
    g: nx.MultiDiGraph | Selection,
    *,
    title: str = "半導体サプライチェーン知識グラフ",
    lang: str = "ja",
    depth: int = 1,
) -> str:
    """The whole page for a selection (or all of `g`) as one HTML string (nothing external)."""
    sel = g if isinstance(g, Selection) else select(g, max_nodes=max(1, len(g)))
    data = network_data(sel.graph, lang=lang, shown=sel.shown, beyond=sel.beyond)
    data.update(
        title=title, lang=lang, depth=max(1, depth), focus=sorted(sel.focus),
        terms=_terms(sel.graph), version=VERSION,
        note={"ja": sel.note_ja, "en": sel.note_en} if sel.note_ja else None,
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
    nodes: int  # shown when the page opens
    edges: int  # shown when the page opens: distinct (subject, relation, object)
    claims: int
    total_nodes: int
    truncated: bool
    note: str | None
    held: int = 0  # entities in the page, shown or there to expand


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
    text = page_html(sel, title=title, lang=lang, depth=depth)
    path = write_html(text, output)
    sub = sel.graph.subgraph(sel.shown)
    drawn = {(s, d["relation"], o) for s, o, d in sub.edges(data=True)}
    return VizReport(
        path=path, nodes=sub.number_of_nodes(), edges=len(drawn), claims=sub.number_of_edges(),
        total_nodes=sel.total_nodes, truncated=sel.truncated, note=sel.note_en,
        held=sel.graph.number_of_nodes(),
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
    return Inline(page_html(select(g, max_nodes=max_nodes), lang=lang), height=height)


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
    <label><span id="kg-depth-label"></span> <input id="kg-depth" type="number" min="1"
      max="6"></label>
    <label><span id="kg-dates-label"></span> <input id="kg-from" type="date"> –
      <input id="kg-to" type="date"></label>
    <button id="kg-reset" type="button"></button>
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
#kg-depth { width: 3em; }
.actions { display: flex; gap: 6px; margin: 6px 0; flex-wrap: wrap; }
.beyond { color: #8a6d00; font-size: 12px; }
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
  const adjacent = new Map(DATA.nodes.map((n) => [n.id, []]));
  for (const e of DATA.edges) { adjacent.get(e.from).push(e); adjacent.get(e.to).push(e); }
  const across = (e, id) => (e.from === id ? e.to : e.from);
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

  // ------------------------------------------------------------- what is in view
  // `inView`: the entities the reader has brought into view (the first view, expansions,
  // a re-focus); `anchors`: those shown even when the filters leave them no edge.
  const first = DATA.nodes.filter((n) => n.shown).map((n) => n.id);
  let inView = new Set(first);
  let anchors = new Set(DATA.focus);
  const hiddenRel = new Set();
  const hiddenMod = new Set();
  let dateFrom = "", dateTo = "";
  function claimPasses(c) {
    if (hiddenMod.has(c.modality)) return false;
    if (!dateFrom && !dateTo) return true;
    const day = (c.date || "").slice(0, 10);
    return day !== "" && (!dateFrom || day >= dateFrom) && (!dateTo || day <= dateTo);
  }
  const edgePasses = (e) => !hiddenRel.has(e.relation) && e.claims.some(claimPasses);

  const nodes = new vis.DataSet();
  const edges = new vis.DataSet();
  const container = document.getElementById("kg-network");
  const network = new vis.Network(container, {}, DATA.options);

  function placed(n) {
    const item = Object.assign({}, n, visNode(n));
    const known = adjacent.get(n.id).map((e) => across(e, n.id)).find((id) => nodes.get(id));
    if (known) {
      const at = network.getPositions([known])[known];
      if (at) {
        item.x = at.x + 120 * (Math.random() - 0.5);
        item.y = at.y + 120 * (Math.random() - 0.5);
      }
    }
    return item;
  }
  // put the view in the DataSets; returns the entities that were not drawn before. An
  // entity in view is hidden when the filters hide every edge it has in view.
  function render() {
    const inside = DATA.edges.filter((e) => inView.has(e.from) && inView.has(e.to));
    const visible = inside.filter(edgePasses);
    const linked = new Set(inside.flatMap((e) => [e.from, e.to]));
    const keep = new Set([...inView].filter((id) => anchors.has(id) || !linked.has(id)));
    for (const e of visible) { keep.add(e.from); keep.add(e.to); }
    const had = new Set(nodes.getIds());
    nodes.remove([...had].filter((id) => !keep.has(id)));
    const fresh = [...keep].filter((id) => !had.has(id));
    nodes.add(fresh.map((id) => placed(nodeById.get(id))));
    const want = new Set(visible.map((e) => e.id));
    const hadEdges = new Set(edges.getIds());
    edges.remove([...hadEdges].filter((id) => !want.has(id)));
    edges.add(visible.filter((e) => !hadEdges.has(e.id))
      .map((e) => Object.assign({}, e, visEdge(e))));
    counts();
    return fresh;
  }
  function markReady() {
    network.once("afterDrawing", () => { document.documentElement.dataset.kgReady = "1"; });
    network.redraw();
  }
  // lay out again: the new entities only (the others pinned where they are), or everything
  function layout(fresh, everything) {
    document.documentElement.dataset.kgReady = "0";
    const pinned = everything ? [] : nodes.getIds().filter((id) => !fresh.includes(id));
    nodes.update(pinned.map((id) => ({ id, fixed: true })));
    network.setOptions({ physics: { enabled: true } });
    network.once("stabilizationIterationsDone", () => {
      network.setOptions({ physics: { enabled: false } });
      nodes.update(pinned.map((id) => ({ id, fixed: false })));
      if (everything) network.fit();
      markReady();
    });
    network.stabilize(everything ? 300 : 120);
  }
  function update() {
    const fresh = render();
    if (fresh.length) layout(fresh, false);
    if (shown && shown[0] === "node") showNode(shown[1]);
  }
  function expand(id) {
    anchors.add(id);
    inView.add(id);
    for (const e of adjacent.get(id)) if (edgePasses(e)) inView.add(across(e, id));
    update();
    showNode(id);
  }
  function refocus(id) {
    const depth = Math.max(1, Number(depthBox.value) || DATA.depth);
    const hops = new Map([[id, 0]]);
    const queue = [id];
    while (queue.length) {
      const x = queue.shift();
      if (hops.get(x) >= depth) continue;
      for (const e of adjacent.get(x)) {
        const y = across(e, x);
        if (edgePasses(e) && !hops.has(y)) { hops.set(y, hops.get(x) + 1); queue.push(y); }
      }
    }
    redraw(new Set(hops.keys()), new Set([id]));
    showNode(id);
  }
  function redraw(view, keep) {
    inView = view; anchors = keep;
    nodes.clear(); edges.clear();
    const fresh = render();
    if (fresh.length) layout(fresh, true); else markReady();
  }
  function reset() { redraw(new Set(first), new Set(DATA.focus)); showNothing(); }

  network.once("stabilizationIterationsDone", () => {
    network.setOptions({ physics: { enabled: false } });
    network.fit();
    markReady();
  });
  render();
  network.setData({ nodes: nodes, edges: edges });
  if (nodes.length === 0) document.documentElement.dataset.kgReady = "1";

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
    const mine = DATA.edges.filter((e) => (e.from === id || e.to === id) && edges.get(e.id));
    const hidden = new Set(adjacent.get(id).filter(edgePasses).map((e) => across(e, id))
      .filter((x) => !nodes.get(x))).size;
    details.replaceChildren(...[
      h("h3", { text: nodeLabel(n) }),
      h("div", { text: [n.label_ja, n.label_en].filter((x, i, a) => x && a.indexOf(x) === i)
        .join(" / ") }),
      h("div", { text: tr(T.classes[n.cls]) + " \u00b7 " + ui("degree") + " " + n.degree }),
      n.listed ? h("div", { text: n.listed }) : null,
      n.aliases.length ? h("div", { text: ui("aliases") + ": " + n.aliases.join(", ") }) : null,
      h("div", { class: "actions" }, [
        h("button", { type: "button", id: "kg-expand", text: ui("expand") + " (" + hidden + ")",
          on: { click: () => expand(id) } }),
        h("button", { type: "button", id: "kg-focus", text: ui("focus"),
          on: { click: () => refocus(id) } }),
      ]),
      n.beyond ? h("div", { class: "beyond", text: n.beyond + " " + ui("beyond") }) : null,
      h("ul", {}, mine.map((e) => h("li", { text: edgeLabel(e) + ": " + edgeHead(e),
        on: { click: () => showEdge(e.id) } }))),
    ].filter((x) => x !== null));
  }
  function showNothing() {
    shown = null;
    details.replaceChildren(h("p", { text: ui("details") }));
  }
  network.on("click", (p) => {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
  });
  network.on("doubleClick", (p) => { if (p.nodes.length) expand(p.nodes[0]); });

  // ------------------------------------------------------------- legend and filters
  const count = (key, value) => DATA.edges.filter((e) => e[key] === value).length;
  function legend() {
    const classCounts = {};
    for (const n of DATA.nodes) classCounts[n.cls] = (classCounts[n.cls] || 0) + 1;
    const box = (set, key) => {
      const b = h("input", { type: "checkbox", "data-key": key });
      b.checked = !set.has(key);
      b.addEventListener("change", () => { if (b.checked) set.delete(key); else set.add(key);
        update(); });
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
      part.push(h("label", { class: "relation" }, [box(hiddenRel, r), svgLine(t.color, null),
        h("span", { text: tr(t) + " (" + n + ")" })]));
    }
    part.push(h("h3", { text: ui("modalities") }));
    for (const [m, t] of Object.entries(T.modalities)) {
      const n = count("modality", m);
      if (!n && m === "denied") continue;
      part.push(h("label", { class: "modality" }, [box(hiddenMod, m),
        svgLine("#444", t.dashes || null), h("span", { text: tr(t) + " (" + n + ")" })]));
    }
    document.getElementById("kg-legend").replaceChildren(...part);
  }
  const depthBox = document.getElementById("kg-depth");
  depthBox.value = String(DATA.depth);
  const fromBox = document.getElementById("kg-from"), toBox = document.getElementById("kg-to");
  const days = DATA.edges.flatMap((e) => e.claims.map((c) => (c.date || "").slice(0, 10)))
    .filter((d) => d).sort();
  for (const b of [fromBox, toBox]) {
    if (days.length) { b.min = days[0]; b.max = days[days.length - 1]; }
    b.addEventListener("change", () => { dateFrom = fromBox.value; dateTo = toBox.value;
      update(); });
  }
  document.getElementById("kg-reset").addEventListener("click", reset);

  // ------------------------------------------------------------- search
  const search = document.getElementById("kg-search");
  const results = document.getElementById("kg-results");
  function focusNode(id) {
    if (!nodes.get(id)) { inView.add(id); anchors.add(id); update(); }
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
    network.selectNodes(ids.filter((id) => nodes.get(id)));
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
  function counts() {
    document.getElementById("kg-counts").textContent = nodes.length + " " + ui("nodes")
      + " \u00b7 " + edges.length + " " + ui("edges");
  }
  function setLang(l) {
    lang = l === "en" ? "en" : "ja";
    document.documentElement.lang = lang;
    document.getElementById("kg-title").textContent = DATA.title;
    document.getElementById("kg-lang").textContent = ui("lang");
    document.getElementById("kg-depth-label").textContent = ui("depth");
    document.getElementById("kg-dates-label").textContent = ui("dates");
    document.getElementById("kg-reset").textContent = ui("reset");
    search.placeholder = ui("search");
    counts();
    const note = document.getElementById("kg-note");
    note.hidden = !DATA.note;
    if (DATA.note) note.textContent = DATA.note[lang];
    nodes.update(nodes.getIds().map((id) => visNode(nodeById.get(id))));
    edges.update(edges.getIds().map((id) => visEdge(edgeById.get(id))));
    legend();
    if (shown && shown[0] === "edge") showEdge(shown[1]);
    else if (shown) showNode(shown[1]);
    else showNothing();
    runSearch();
  }
  document.getElementById("kg-lang").addEventListener("click",
    () => setLang(lang === "ja" ? "en" : "ja"));
  setLang(lang);

  // the entities whose labels are drawn at the current zoom
  const labelled = () => nodes.getIds().filter((id) => {
    const n = network.body.nodes[id];
    return n && n.labelModule.visible();
  });
  window.kg = { network: network, nodes: nodes, edges: edges, data: DATA,
    showNode: showNode, showEdge: showEdge, setLang: setLang, find: find, focusNode: focusNode,
    expand: expand, refocus: refocus, reset: reset, labelled: labelled };
})();
"""
