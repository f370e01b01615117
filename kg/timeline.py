"""Timeline stage: the claims over time, as one self-contained HTML page (`kg timeline`).

One lane per relation, one mark per claim at its event date (`kg.dates`): a dot for a day, a
bar across the week, month or year a coarser date spans. Marks are coloured by relation
(the colours of `kg viz`) and hollow when the article's date stands in for a date the
sentence does not state. Filters by entity (any label or alias) and by relation; clicking
a mark opens its evidence: the sentence, the article (title, path, date) and the words the
date was read from.

The page is built like `kg.viz`'s: no external resource and a Content-Security-Policy that
forbids any request; every text from the articles travels as JSON (`kg.viz.script_json`)
and reaches the page only through `textContent`, never as HTML.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import QueryError

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

VERSION = "kg.timeline.v1"
TITLE = "半導体サプライチェーン年表"


def marks(g: nx.MultiDiGraph) -> tuple[list[dict], int]:
    """The claims of `g` (a `kg.analysis.project` graph) that have an event date, as marks
    sorted by date, and the number of claims without one."""
    from kg.analysis import label
    from kg.dates import When

    out, undated = [], 0
    for s, o, d in g.edges(data=True):
        if not d.get("event_date"):
            undated += 1
            continue
        when = When.stored(d["event_date"], d.get("event_precision"))
        node = {n: g.nodes[n] for n in (s, o)}
        out.append({
            "id": d["claim"], "relation": d["relation"], "modality": d["modality"],
            "s": s, "o": o,
            "s_ja": label(g, s, "ja"), "s_en": label(g, s, "en"),
            "o_ja": label(g, o, "ja"), "o_en": label(g, o, "en"),
            "names": sorted({label(g, n, lang) for n in (s, o) for lang in ("ja", "en")}
                            | {a for n in (s, o) for a in node[n].get("aliases", ())}),
            "date": when.value, "precision": when.precision,
            "start": when.start.isoformat(), "end": when.end.isoformat(),
            "source": d.get("event_source"), "words": d.get("event_text"),
            "sentence": d.get("sentence") or "", "title": d.get("title"),
            "article": d.get("article"), "published": d.get("date"),
        })  # fmt: skip
    out.sort(key=lambda m: (m["start"], m["end"], m["relation"], m["id"]))
    return out, undated


def per_month(g: nx.MultiDiGraph) -> tuple[list[dict], int]:
    """Claims per month of their event date and relation, as rows ``{"month": "2024-02",
    "relation": ..., "claims": n}`` sorted by month and relation, and the number of dated
    claims left out because their date is known only to its year."""
    from collections import Counter

    found, _ = marks(g)
    counted = Counter((m["date"][:7], m["relation"]) for m in found if m["precision"] != "year")
    rows = [{"month": k[0], "relation": k[1], "claims": n} for k, n in sorted(counted.items())]
    return rows, sum(1 for m in found if m["precision"] == "year")


def page_html(g: nx.MultiDiGraph, *, title: str = TITLE, lang: str = "ja") -> str:
    """The timeline page of the claims of `g`, as one HTML string (no external resources)."""
    from kg.dates import PRECISIONS
    from kg.viz import DOM_JS, HEAD, RELATION_COLORS, script_json, term_labels
    from kg.vocab import MODALITIES, relations

    if lang not in ("ja", "en"):
        raise QueryError(f"unknown language {lang!r}; use ja or en")
    found, undated = marks(g)
    labels = term_labels()

    def term(name: str) -> dict[str, str]:
        return {x: labels.get(name, {}).get(x) or name for x in ("ja", "en")}

    data = {
        "title": title, "lang": lang, "marks": found, "undated": undated, "version": VERSION,
        "relations": {r: {**term(r), "color": RELATION_COLORS.get(r, "#888888")}
                      for r in relations()},
        "modalities": {m: term(m) for m in MODALITIES},
        "precisions": {p: term(p) for p in PRECISIONS}, "ui": UI,
    }  # fmt: skip
    return (
        (HEAD + PAGE)
        .replace("%%LANG%%", lang)
        .replace("%%TITLE%%", html.escape(title))
        .replace("%%CSS%%", CSS)
        .replace("%%DATA%%", script_json(data))
        .replace("%%JS%%", JS.replace("%%DOM_JS%%", DOM_JS))
    )


@dataclass(frozen=True)
class TimelineReport:
    path: Path
    marks: int  # claims drawn
    undated: int  # claims left out: no event date


def write_page(g: nx.MultiDiGraph, output: str | os.PathLike, *, title: str = TITLE,
               lang: str = "ja") -> TimelineReport:  # fmt: skip
    """Write the timeline of `g` to `output`."""
    from kg.viz import write_html

    path = write_html(page_html(g, title=title, lang=lang), output)
    drawn, undated = marks(g)
    return TimelineReport(path, len(drawn), undated)


def render(
    store: ox.Store,
    output: str | os.PathLike,
    *,
    relations: tuple[str, ...] = (),
    since: str | None = None,
    until: str | None = None,
    as_of: str | None = None,
    lang: str = "ja",
) -> TimelineReport:
    """`kg timeline`: the claims of the store (`relations`; in time: `since`, `until`,
    `as_of`, see `kg.analysis.project`) written as a timeline page to `output`."""
    from kg.analysis import project

    g = project(store, relations=relations or None, since=since, until=until, as_of=as_of)
    return write_page(g, output, lang=lang)


def inline(g: nx.MultiDiGraph, *, lang: str = "ja", height: int = 520):
    """The timeline of `g` for display in a notebook (see `kg.viz.Inline`)."""
    from kg.viz import Inline

    return Inline(page_html(g, lang=lang), height=height)


UI = {
    "entity": {"ja": "エンティティで絞り込む", "en": "Filter by entity"},
    "lang": {"ja": "English", "en": "日本語"},
    "claims": {"ja": "件の主張", "en": "claims"},
    "undated": {"ja": "件は日付がなく表示していません", "en": "without a date are not shown"},
    "details": {"ja": "印をクリックすると根拠を表示します", "en": "Click a mark for its evidence"},
    "evidence": {"ja": "根拠", "en": "Evidence"},
    "event": {"ja": "出来事の日付", "en": "Event date"},
    "from_sentence": {"ja": "文中の表現", "en": "stated in the sentence"},
    "from_article": {"ja": "記事の日付", "en": "the article's date"},
    "article": {"ja": "記事", "en": "Article"},
    "published": {"ja": "記事の日付", "en": "Published"},
    "untitled": {"ja": "(無題)", "en": "(untitled)"},
    "none": {"ja": "該当する主張はありません", "en": "No claim matches"},
}

# after kg.viz.HEAD
PAGE = """<style>%%CSS%%</style>
</head>
<body>
<header>
  <h1 id="tl-title"></h1>
  <div id="tl-controls">
    <input id="tl-entity" type="search" autocomplete="off">
    <button id="tl-lang" type="button"></button>
    <span id="tl-counts"></span>
  </div>
  <div id="tl-relations"></div>
</header>
<main>
  <div id="tl-chart"></div>
  <aside id="tl-evidence"></aside>
</main>
<script id="tl-data" type="application/json">%%DATA%%</script>
<script>%%JS%%</script>
</body>
</html>
"""

CSS = """
html, body { margin: 0; height: 100%; font-family: "Noto Sans CJK JP", "Hiragino Sans",
  "Yu Gothic", "Meiryo", sans-serif; font-size: 14px; color: #222; }
body { display: flex; flex-direction: column; }
header { padding: 6px 12px; border-bottom: 1px solid #ddd; }
h1 { font-size: 18px; margin: 2px 0 6px; }
#tl-controls { display: flex; gap: 8px; align-items: center; }
#tl-entity { width: 260px; padding: 4px 6px; }
#tl-counts { color: #666; }
#tl-relations { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 6px; font-size: 12px; }
#tl-relations label { display: flex; align-items: center; gap: 4px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 50%; }
main { flex: 1; display: flex; min-height: 0; }
#tl-chart { flex: 1; overflow: auto; min-width: 0; }
#tl-evidence { width: 360px; overflow-y: auto; border-left: 1px solid #ddd; padding: 8px 10px; }
#tl-evidence h3 { font-size: 13px; margin: 10px 0 4px; }
.sentence { white-space: pre-wrap; padding: 4px 6px; border-left: 3px solid #bbb;
  background: #fafafa; }
.meta { color: #555; font-size: 12px; margin-top: 4px; }
svg text { font-size: 11px; fill: #444; }
.mark { cursor: pointer; }
.mark.selected { stroke: #000; stroke-width: 2; }
"""

JS = r"""
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("tl-data").textContent);
  const NS = "http://www.w3.org/2000/svg";
  let lang = DATA.lang, selected = null;
  const hidden = new Set();
  const ui = (k) => DATA.ui[k][lang];
  const tr = (t) => (t && t[lang]) || "";
  const day = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10));
  const norm = (s) => String(s || "").normalize("NFKC").toLowerCase();

%%DOM_JS%%
  function s(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function visible() {
    const q = norm(document.getElementById("tl-entity").value);
    return DATA.marks.filter((m) => !hidden.has(m.relation)
      && (!q || m.names.some((n) => norm(n).includes(q))));
  }

  function draw() {
    const shown = visible();
    const lanes = Object.keys(DATA.relations).filter((r) => shown.some((m) => m.relation === r));
    const chart = document.getElementById("tl-chart");
    document.getElementById("tl-counts").textContent = shown.length + " " + ui("claims")
      + (DATA.undated ? " \u00b7 " + DATA.undated + " " + ui("undated") : "");
    if (!shown.length) {
      chart.replaceChildren(h("p", { text: ui("none") }));
      return;
    }
    let lo = Math.min(...shown.map((m) => day(m.start)));
    let hi = Math.max(...shown.map((m) => day(m.end) + 864e5));
    const pad = Math.max((hi - lo) * 0.03, 15 * 864e5);
    lo -= pad; hi += pad;
    const left = 150, laneH = 34, top = 28;
    const width = Math.max(chart.clientWidth - 20, 600);
    const x = (t) => left + (t - lo) / (hi - lo) * (width - left - 10);
    const svg = s("svg", { width: width, height: top + lanes.length * laneH + 10,
      id: "tl-svg" });
    // ticks: years, or months when the span is short
    const y0 = new Date(lo).getUTCFullYear(), y1 = new Date(hi).getUTCFullYear();
    const monthly = y1 - y0 < 2;
    for (let y = y0; y <= y1; y++) for (let mo = 0; mo < 12; mo += monthly ? 1 : 12) {
      const t = Date.UTC(y, mo, 1);
      if (t < lo || t > hi) continue;
      svg.append(s("line", { x1: x(t), x2: x(t), y1: top - 6, y2: top + lanes.length * laneH,
        stroke: mo ? "#f0f0f0" : "#ddd" }));
      svg.append(s("text", { x: x(t) + 2, y: top - 10 },
        monthly ? y + "-" + String(mo + 1).padStart(2, "0") : String(y)));
    }
    lanes.forEach((r, i) => {
      const y = top + i * laneH + laneH / 2;
      svg.append(s("text", { x: 4, y: y + 4 }, tr(DATA.relations[r])));
      svg.append(s("line", { x1: left, x2: width - 10, y1: y, y2: y, stroke: "#eee" }));
      const mine = shown.filter((m) => m.relation === r);
      mine.forEach((m, k) => {
        const color = DATA.relations[r].color;
        const jitter = ((k % 3) - 1) * 7;
        const a = x(day(m.start)), b = x(day(m.end) + 864e5);
        const hollow = m.source === "article";
        const attrs = { class: "mark", "data-id": m.id, stroke: color,
          fill: hollow ? "#fff" : color, "stroke-width": hollow ? 2 : 1 };
        const el = m.precision === "day"
          ? s("circle", { ...attrs, cx: a, cy: y + jitter, r: 5 })
          : s("rect", { ...attrs, x: a, y: y + jitter - 4, width: Math.max(b - a, 6),
              height: 8, rx: 3, "fill-opacity": hollow ? 1 : 0.55 });
        el.append(s("title", {}, markLabel(m)));
        el.addEventListener("click", () => show(m.id));
        if (m.id === selected) el.classList.add("selected");
        svg.append(el);
      });
    });
    chart.replaceChildren(svg);
  }

  function markLabel(m) {
    return m[lang === "ja" ? "s_ja" : "s_en"] + " \u2014" + tr(DATA.relations[m.relation])
      + "\u2192 " + m[lang === "ja" ? "o_ja" : "o_en"] + "  " + m.date;
  }

  function show(id) {
    selected = id;
    const m = DATA.marks.find((x) => x.id === id);
    const panel = document.getElementById("tl-evidence");
    if (!m) { panel.replaceChildren(h("p", { text: ui("details") })); return; }
    const how = m.source === "sentence"
      ? ui("from_sentence") + (m.words ? "\u300c" + m.words + "\u300d" : "")
      : ui("from_article");
    panel.replaceChildren(
      h("h3", { text: markLabel(m) }),
      h("div", { class: "meta" }, [ui("event") + ": " + m.date + " ("
        + tr(DATA.precisions[m.precision]) + ", "
        + how + ") \u00b7 " + tr(DATA.modalities[m.modality])]),
      h("h3", { text: ui("evidence") }),
      h("div", { class: "sentence", id: "tl-sentence", text: m.sentence }),
      h("h3", { text: ui("article") }),
      h("div", { id: "tl-article", text: m.title || ui("untitled") }),
      h("div", { class: "meta", text: decodeURIComponent(String(m.article || "")
        .replace(/^https:\/\/w3id\.org\/chipkg\/article\//, "")) }),
      h("div", { class: "meta", text: ui("published") + ": " + (m.published || "\u2014") }));
    for (const el of document.querySelectorAll(".mark"))
      el.classList.toggle("selected", el.getAttribute("data-id") === id);
  }

  function setLang(l) {
    lang = l === "en" ? "en" : "ja";
    document.documentElement.lang = lang;
    document.getElementById("tl-title").textContent = DATA.title;
    document.getElementById("tl-lang").textContent = ui("lang");
    document.getElementById("tl-entity").placeholder = ui("entity");
    const boxes = Object.entries(DATA.relations)
      .filter(([r]) => DATA.marks.some((m) => m.relation === r))
      .map(([r, t]) => {
        const box = h("input", { type: "checkbox", "data-relation": r });
        box.checked = !hidden.has(r);
        box.addEventListener("change", () => {
          if (box.checked) hidden.delete(r); else hidden.add(r);
          draw();
        });
        return h("label", {}, [box, h("span", { class: "swatch", style: "background:" + t.color }),
          h("span", { text: tr(t) + " (" + DATA.marks.filter((m) => m.relation === r).length
            + ")" })]);
      });
    document.getElementById("tl-relations").replaceChildren(...boxes);
    draw();
    show(selected);
  }

  document.getElementById("tl-entity").addEventListener("input", draw);
  document.getElementById("tl-lang").addEventListener("click",
    () => setLang(lang === "ja" ? "en" : "ja"));
  window.addEventListener("resize", draw);
  setLang(lang);
  document.documentElement.dataset.tlReady = "1";
  window.timeline = { data: DATA, show: show, draw: draw, setLang: setLang, visible: visible };
})();
"""
