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


# Parses the text on stdin (cut by split_sentences, parsed as parse_texts does) and prints the
# resident memory after loading the model and the peak after, in MB. (The peak is VmHWM, the
# high-water mark of this process image: getrusage's ru_maxrss also counts the parent's
# memory at the fork before exec.)
MEASURE = """
import sys
from pathlib import Path
from kg.parse import load_model, parse_texts
def status(field):
    lines = Path("/proc/self/status").read_text().splitlines()
    return int(next(x.split()[1] for x in lines if x.startswith(field))) / 1024
text = sys.stdin.read()
load_model()
loaded = status("VmRSS:")
parse_texts([text])
print(loaded, status("VmHWM:"))
"""
UNPUNCTUATED_CHARS = 8000


def unpunctuated(n: int) -> str:
    """`n` characters of corpus text with every punctuation mark and space taken out."""
    import re

    bodies = "".join(a.text for a in load_corpus([CORPUS]).articles)
    text = re.sub(r"[、。，,．.！？!?\s「」『』（）()・:：;；\-－]", "", bodies)
    return (text * (n // len(text) + 1))[:n]


def test_a_line_without_punctuation_is_parsed_in_bounded_memory():
    """GiNZA's memory grows with the characters of one batch of sentences; a line without
    punctuation is cut into sentences of at most MAX_SENTENCE_CHARS, so the worst batch is
    BATCH_SIZE of them. Measured on a smaller text and scaled to that worst batch, a parse
    stays under the bench's 2 GB (cut at 4,000 characters, it was 8 GB)."""
    import subprocess
    import sys

    from kg.parse import BATCH_SIZE, MAX_SENTENCE_CHARS

    text = unpunctuated(UNPUNCTUATED_CHARS)
    sentences = split_sentences(text)
    assert max(len(s.text) for s in sentences) <= MAX_SENTENCE_CHARS
    assert "".join(s.text for s in sentences) == text and len(sentences) <= BATCH_SIZE
    out = subprocess.run([sys.executable, "-c", MEASURE], input=text, capture_output=True,
                         text=True, check=True, timeout=600)  # fmt: skip
    loaded, peak = map(float, out.stdout.split())
    per_char = (peak - loaded) / len(text)
    worst = loaded + per_char * BATCH_SIZE * MAX_SENTENCE_CHARS
    assert worst < 2000, f"{worst:.0f} MB ({per_char * 1024:.0f} KB a character)"
