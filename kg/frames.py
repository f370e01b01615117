"""pandas DataFrames straight from the store, for notebooks and scripts.

    claims(store)         one row per claim: who, relation, whom, modality, sentence, the
                          event's date and the article
    facts(store)          one row per fact (subject, relation, object) that a claim states
                          without denying it: claims, articles, modalities, first article date
    entities(store)       one row per entity: labels, class, home country, facts, articles
    articles(store)       one row per article: path, title, date, publisher, claims
    query(store, sparql)  any SELECT query, with numbers as numbers and dates as dates

IRIs are kept whole (they are the keys to join on); every entity column has a `_label`
column beside it (Japanese label, else English; `lang="en"` for the other way round).
Dates are pandas timestamps (an article without a date has NaT). pandas is an optional
dependency: `pip install -e '.[notebook]'`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kg.errors import QueryError
from kg.vocab import XSD

if TYPE_CHECKING:
    import pandas as pd
    import pyoxigraph as ox

NUMBERS = {str(XSD.integer): int, str(XSD.int): int, str(XSD.long): int, str(XSD.decimal): float,
           str(XSD.double): float, str(XSD.float): float}  # fmt: skip
DATES = {str(XSD.date), str(XSD.dateTime), str(XSD.gYearMonth), str(XSD.gYear)}


def _pandas():
    try:
        import pandas
    except ImportError:
        raise QueryError("kg.frames needs pandas: pip install -e '.[notebook]'") from None
    return pandas


def _value(term):
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.Literal):
        convert = NUMBERS.get(term.datatype.value)
        if convert is not None:
            try:
                return convert(term.value)
            except ValueError:
                return term.value
    return term.value


def query(store: ox.Store, sparql: str) -> pd.DataFrame:
    """The rows of a SELECT query (prefixes predeclared, as in `kg query`) as a DataFrame:
    IRIs and text as strings, numbers as numbers, columns of dates as timestamps."""
    import pyoxigraph as ox

    from kg.query import run_query

    pd = _pandas()
    result = run_query(store, sparql)
    if result.kind != "select":
        raise QueryError("kg.frames.query takes a SELECT query")
    df = pd.DataFrame([[_value(t) for t in row] for row in result.rows], columns=result.variables)
    for i, name in enumerate(result.variables):
        terms = [row[i] for row in result.rows if row[i] is not None]
        if terms and all(isinstance(t, ox.Literal) and t.datatype.value in DATES for t in terms):
            df[name] = pd.to_datetime(df[name], errors="coerce")
    return df


def _label(names: dict[str, dict[str, str]], iri: str, lang: str) -> str:
    e = names.get(iri, {})
    other = "en" if lang == "ja" else "ja"
    return e.get(f"label_{lang}") or e.get(f"label_{other}") or iri.rsplit("/", 1)[-1]


def claims(store: ox.Store, *, denied: bool = True, lang: str = "ja") -> pd.DataFrame:
    """One row per claim, in article order: claim, subject, relation, object (with labels),
    modality, confidence, sentence and its offsets, rule, cue, reported_by, the event's date
    (`event_date`, as written at `event_precision`: a day, month or year; `event_date_from`
    "sentence", with the words `event_date_text`, or "article" when the article's date
    stands in), article, title and the article's date. Denied claims are included
    (modality "denied") unless `denied=False`."""
    from kg import exports

    pd = _pandas()
    names = exports.entities(store)
    rows = exports.claims(store, denied=denied)
    columns = ["claim", "subject", "subject_label", "relation", "object", "object_label",
               "modality", "confidence", "sentence", "char_start", "char_end", "rule", "cue",
               "reported_by", "event_date", "event_precision", "event_date_text",
               "event_date_from", "article", "title", "date"]  # fmt: skip
    df = pd.DataFrame(
        [{**c, "subject": c["source"], "object": c["target"],
          "subject_label": _label(names, c["source"], lang),
          "object_label": _label(names, c["target"], lang)} for c in rows],
        columns=columns,
    )  # fmt: skip
    df = df.replace("", None)
    df["confidence"] = pd.to_numeric(df["confidence"])
    for col in ("char_start", "char_end"):
        df[col] = pd.to_numeric(df[col]).astype("Int64")
    df["date"] = pd.to_datetime(df["date"], errors="coerce")
    return df.sort_values(["date", "article", "char_start", "claim"]).reset_index(drop=True)


def facts(store: ox.Store, *, lang: str = "ja") -> pd.DataFrame:
    """One row per fact that a claim states without denying it: subject, relation, object
    (with labels), claims, articles, modalities (comma-separated, asserted first) and the
    date of the earliest dated article stating it. Most-cited facts first."""
    from kg.vocab import MODALITIES

    c = claims(store, denied=False, lang=lang)
    keys = ["subject", "subject_label", "relation", "object", "object_label"]
    order = {m: i for i, m in enumerate(MODALITIES)}
    df = (
        c.groupby(keys, sort=False)
        .agg(
            claims=("claim", "count"),
            articles=("article", "nunique"),
            modalities=("modality", lambda m: ",".join(sorted(set(m), key=order.get))),
            first=("date", "min"),
        )
        .reset_index()
    )
    df = df.sort_values(["articles", "claims", "subject", "relation", "object"],
                        ascending=[False, False, True, True, True])  # fmt: skip
    return df.reset_index(drop=True)


_ENTITY_FACTS = """SELECT ?e ?country (COUNT(DISTINCT ?a) AS ?articles) WHERE {
  ?e kg:mentionedIn ?a . OPTIONAL { ?e kg:homeCountry ?country }
} GROUP BY ?e ?country"""


def entities(store: ox.Store, *, lang: str = "ja") -> pd.DataFrame:
    """One row per entity an article mentions: label (in `lang`), label_ja, label_en,
    class, home country (with its label), the articles mentioning it and the facts it takes
    part in. Most connected first."""
    from kg import exports
    from kg.graph import select

    pd = _pandas()
    names = exports.entities(store)
    f = facts(store, lang=lang)
    degree = pd.concat([f["subject"], f["object"]]).value_counts()
    rows = []
    for r in select(store, _ENTITY_FACTS):
        iri = r["e"].value
        country = r["country"].value if r["country"] is not None else None
        e = names.get(iri, {})
        rows.append({
            "entity": iri, "label": _label(names, iri, lang), "label_ja": e.get("label_ja") or None,
            "label_en": e.get("label_en") or None, "class": e.get("class") or None,
            "country": country, "country_label": _label(names, country, lang) if country else None,
            "articles": int(r["articles"].value), "facts": int(degree.get(iri, 0)),
        })  # fmt: skip
    df = pd.DataFrame(rows, columns=["entity", "label", "label_ja", "label_en", "class",
                                     "country", "country_label", "articles", "facts"])  # fmt: skip
    df = df.sort_values(["facts", "articles", "entity"], ascending=[False, False, True])
    return df.reset_index(drop=True)


_ARTICLES = """SELECT ?article ?path ?title ?date ?publisher ?url (COUNT(?c) AS ?claims) WHERE {
  GRAPH ?article { ?article a kg:Article ; dcterms:source ?path .
    OPTIONAL { ?article dcterms:title ?title } OPTIONAL { ?article dcterms:date ?date }
    OPTIONAL { ?article dcterms:publisher ?publisher }
    OPTIONAL { ?article prov:wasDerivedFrom ?url }
    OPTIONAL { ?c a kg:Claim } }
} GROUP BY ?article ?path ?title ?date ?publisher ?url ORDER BY ?date ?path"""


def articles(store: ox.Store) -> pd.DataFrame:
    """One row per article: IRI, path in the corpus, title, date, publisher, URL and its
    number of claims (denied ones included), oldest first (undated last)."""
    df = query(store, _ARTICLES)
    df["date"] = _pandas().to_datetime(df["date"], errors="coerce")
    return df.sort_values(["date", "path"], na_position="last").reset_index(drop=True)
