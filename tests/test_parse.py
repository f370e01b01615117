"""kg.parse: the GiNZA pipeline as `load_model` sets it up."""

from __future__ import annotations

from pathlib import Path

from kg.corpus import load_corpus
from kg.parse import MODEL, load_model, split_sentences

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _signature(doc) -> list[tuple]:
    return [
        (t.text, t.tag_, t.pos_, t.lemma_, t.norm_, str(t.morph), t.dep_, t.head.i)
        + (t.ent_iob_, t.ent_type_, t.is_oov)
        for t in doc
    ]


def test_fast_load_parses_exactly_like_the_defaults():
    """load_model runs thinc on numpy's BLAS instead of blis and leaves the model's string
    table out, for speed only: every token of every sentence of corpus/ gets the same
    analysis as with spaCy's defaults."""
    import spacy
    from thinc.api import NumpyOps, use_ops

    nlp = load_model()
    nodes = [n for _, c in nlp.pipeline if hasattr(c, "model") for n in c.model.walk()]
    assert nodes and all(isinstance(n.ops, NumpyOps) and not n.ops.use_blis for n in nodes)
    assert len(nlp.vocab.strings) < 100_000  # not the 600,000 of strings.json

    blis = NumpyOps(use_blis=True)
    with use_ops("numpy", use_blis=True):
        default = spacy.load(MODEL)
    for _, component in default.pipeline:
        for node in component.model.walk() if hasattr(component, "model") else ():
            node.ops = blis

    sentences = [s.text for a in load_corpus([CORPUS]).articles for s in split_sentences(a.text)]
    assert len(sentences) > 100
    with use_ops("numpy", use_blis=True):
        expected = [_signature(d) for d in default.pipe(sentences)]
    assert [_signature(d) for d in nlp.pipe(sentences)] == expected
