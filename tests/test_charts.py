"""kg.charts: a projection drawn with matplotlib, in the colours of kg viz."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from kg import analysis, charts, graph, viz  # noqa: E402


@pytest.mark.parametrize("layout", ["spring", "layers"])
def test_draws_every_entity_and_fact_in_the_colours_of_viz(hand_store, layout):
    g = analysis.project(graph.open_store(hand_store, create=False))
    ax = charts.draw(g, layout=layout, labels=2)
    nodes = ax.collections[0]
    assert len(nodes.get_offsets()) == g.number_of_nodes()
    assert {to_hex(c) for c in nodes.get_facecolors()} == {viz.CLASS_COLORS["Company"]}
    facts = {(u, d["relation"], v) for u, v, d in g.edges(data=True)}
    arrows = [p for p in ax.patches if p.get_edgecolor() is not None]
    assert len(arrows) == len(facts)
    assert {to_hex(p.get_edgecolor()) for p in arrows} == {
        viz.RELATION_COLORS[r] for _, r, _ in facts
    }
    assert len(ax.texts) == 2  # the two most connected entities are named
    assert [t.get_text() for t in ax.get_legend().get_texts()] == sorted(
        {r for _, r, _ in facts}, key=list(viz.RELATION_COLORS).index
    )


def test_unknown_layout_is_a_clear_error(hand_store):
    g = analysis.project(graph.open_store(hand_store, create=False))
    with pytest.raises(Exception, match="unknown layout 'circle'"):
        charts.draw(g, layout="circle")
