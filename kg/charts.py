"""Static pictures of the graph for notebooks and reports (matplotlib).

    japanese_font()   let matplotlib write Japanese with a CJK font installed on the machine
    draw(g, ...)      a projection (`kg.analysis.project`, or any part of one) as a picture:
                      nodes coloured by class and edges by relation as in `kg viz`, nodes
                      sized by their facts, edges dashed by modality, labels in ja or en

The interactive page (`kg.viz.inline`) is for exploring; these are for a figure that stays the
same in a saved notebook or a slide. matplotlib is an optional dependency:
`pip install -e '.[notebook]'`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.errors import QueryError

if TYPE_CHECKING:
    import matplotlib.axes
    import networkx as nx

# the fonts tried, in order, for Japanese text (Debian's fonts-ipafont-gothic first)
CJK_FONTS = ("IPAGothic", "IPAexGothic", "IPAPGothic", "Noto Sans CJK JP", "Noto Sans JP",
             "Hiragino Sans", "Yu Gothic", "Meiryo", "TakaoGothic", "VL Gothic")  # fmt: skip
LINE_STYLES = {"asserted": "solid", "reported": "dotted", "hedged": "dashed", "planned": "dashdot",
               "denied": (0, (1, 6))}  # fmt: skip


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise QueryError("kg.charts needs matplotlib: pip install -e '.[notebook]'") from None
    return plt


def japanese_font() -> str | None:
    """Make matplotlib draw Japanese text with the first CJK font of CJK_FONTS installed
    (Latin text keeps matplotlib's default font); its name, or None when there is none (then
    Japanese shows as boxes: install fonts-ipafont-gothic, or draw with `lang="en"`)."""
    _pyplot()
    from matplotlib import font_manager, rcParams

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is not None:
        rcParams["font.family"] = ["DejaVu Sans", found]  # the second for what the first lacks
    return found


def draw(
    g: nx.MultiDiGraph,
    ax: matplotlib.axes.Axes | None = None,
    *,
    lang: str = "ja",
    layout: str = "spring",
    seed: int = 0,
    labels: int | None = None,
    legend: bool = True,
) -> matplotlib.axes.Axes:
    """Draw `g` and return the axes.

    `layout` is "spring" (seeded by `seed`) or "layers" (owners above what they own, for
    ownership and supply chains: each entity one row below the entities it points to).
    `labels` names only that many of the most connected entities (default: all).
    """
    import networkx as nx

    from kg.analysis import label, simple
    from kg.viz import CLASS_COLORS, MODALITY_PRECEDENCE, RELATION_COLORS

    plt = _pyplot()
    if ax is None:
        ax = plt.subplots(figsize=(12, 8))[1]
    ax.set_axis_off()
    if not g:
        return ax
    # one edge per (subject, relation, object), styled by its strongest modality
    facts: dict[tuple[str, str, str], set[str]] = {}
    for u, v, d in g.edges(data=True):
        facts.setdefault((u, d["relation"], v), set()).add(d["modality"])
    und = simple(g, directed=False)
    degree = dict(und.degree())
    if layout == "layers":
        pos = _layers(g)
    elif layout == "spring":
        pos = nx.spring_layout(und, seed=seed, k=1.5 / max(1, len(und)) ** 0.5)
    else:
        raise QueryError(f"unknown layout {layout!r}; use spring or layers")
    nodes = sorted(g.nodes)
    nx.draw_networkx_nodes(
        g, pos, nodelist=nodes, ax=ax, linewidths=0.5, edgecolors="#333333",
        node_color=[CLASS_COLORS.get(g.nodes[n].get("cls"), CLASS_COLORS["Entity"]) for n in nodes],
        node_size=[120 + 90 * degree.get(n, 0) for n in nodes],
    )  # fmt: skip
    for (u, rel, v), mods in sorted(facts.items()):
        style = next(m for m in MODALITY_PRECEDENCE if m in mods)
        nx.draw_networkx_edges(
            g, pos, edgelist=[(u, v)], ax=ax, edge_color=RELATION_COLORS.get(rel, "#888888"),
            style=LINE_STYLES[style], arrows=True, arrowsize=12, width=1.4,
            node_size=120 + 90 * degree.get(v, 0), connectionstyle="arc3,rad=0.08",
        )  # fmt: skip
    named = sorted(nodes, key=lambda n: (-degree.get(n, 0), n))[:labels]
    from matplotlib import rcParams

    ys = [y for _, y in pos.values()]
    below = 0.035 * ((max(ys) - min(ys)) or 1)  # a label under its node, not on it
    nx.draw_networkx_labels(
        g, {n: (x, y - below) for n, (x, y) in pos.items()},
        {n: label(g, n, lang) for n in named}, ax=ax, font_size=9, verticalalignment="top",
        font_family=rcParams["font.family"],  # as japanese_font() set it
    )  # fmt: skip
    ax.margins(0.08)
    if legend:
        from matplotlib.lines import Line2D

        present = sorted({rel for _, rel, _ in facts}, key=list(RELATION_COLORS).index)
        handles = [Line2D([], [], color=RELATION_COLORS[r], label=r) for r in present]
        ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    return ax


def _layers(g: nx.MultiDiGraph) -> dict:
    """Positions with every entity one row below the lowest entity it points to (an owner
    above what it owns, a supplier's customer above the supplier), cycles broken."""
    import networkx as nx

    dag = nx.DiGraph()
    dag.add_nodes_from(sorted(g.nodes))
    for u, v in sorted(set(g.edges())):
        if u != v and not nx.has_path(dag, v, u):
            dag.add_edge(u, v)
    row: dict[str, int] = {}
    for n in reversed(list(nx.topological_sort(dag))):
        row[n] = 1 + max((row[v] for v in dag.successors(n)), default=-1)
    # each row in the order of the mean place of what its entities point to (fewer crossings)
    place: dict[str, float] = {}
    pos = {}
    depth = max(row.values(), default=0)
    for r in range(depth + 1):
        members = [n for n in dag if row[n] == r]
        key = {n: sum(place[v] for v in dag.successors(n)) / max(1, dag.out_degree(n))
               for n in members}  # fmt: skip
        members.sort(key=lambda n: (key[n], n))
        for i, n in enumerate(members):
            place[n] = (i + 0.5) / len(members)
            pos[n] = (place[n], -r / max(1, depth))
    return pos
