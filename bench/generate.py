"""Bench data: distinct articles made from the seed articles, and a large synthetic graph.

`make_corpus(out, n, seed)` writes `n` articles. Each takes the sentences of one seed article
(corpus/ and tests/data/eval/*/corpus), keeps a random run of them in shuffled order, swaps
every gazetteer company name for another company of the gazetteer (one consistent swap per
article) and replaces every number by a random one, so the corpus loader's exact and
near-duplicate detection keeps them all. Texts are real Japanese news prose, so GiNZA's cost
per character is that of the real corpus.

`graph_articles(n, seed)` yields (article, entities, facts) in the project's data model
(`kg.graph.article_quads` turns them into quads): about 90 quads per article.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = [ROOT / "corpus", *sorted((ROOT / "tests/data/eval").glob("*/corpus"))]


def seed_articles():
    from kg.corpus import load_corpus

    return load_corpus([str(p) for p in SEEDS if p.is_dir()]).articles


def make_corpus(out: Path, n: int = 200, seed: int = 0, max_chars: int = 1500) -> list[Path]:
    """Write `n` distinct articles under `out`; returns their paths."""
    from kg.entities import load_gazetteer
    from kg.parse import split_sentences

    rng = random.Random(seed)
    gaz = load_gazetteer()
    companies = sorted(
        {e.label_ja for e in gaz.entities.values() if e.cls == "Company" and e.label_ja}
    )
    names = sorted(companies, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(x) for x in names if len(x) >= 2))
    seeds = seed_articles()
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        art = seeds[i % len(seeds)]
        sents = [s.text for s in split_sentences(art.text) if len(s.text) > 10]
        start = rng.randrange(max(1, len(sents) - 8))
        chosen = sents[start : start + rng.randint(8, 16)]
        rng.shuffle(chosen)
        swap = dict(zip(companies, rng.sample(companies, len(companies)), strict=True))
        body, size = [], 0
        for s in chosen:
            s = pattern.sub(lambda m, swap=swap: swap.get(m.group(), m.group()), s)
            s = re.sub(r"\d+", lambda m: str(rng.randint(1, 9999)), s)
            if size + len(s) > max_chars and body:
                break
            body.append(s)
            size += len(s)
        path = out / f"gen-{i:04d}.md"
        date = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        path.write_text(
            f"---\ntitle: 生成記事{i} {art.title or ''}\ndate: {date}\nsource: bench\n---\n"
            + "\n".join(body)
            + "\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


GOLD = [ROOT / "tests/data/seed-gold/seed-relations.jsonl",
        *sorted((ROOT / "tests/data/eval").glob("*/relations.jsonl"))]  # fmt: skip
# The gold files list no denied facts (a denied fact is not a fact: see the annotation
# guidelines), so denied claims get a small share of their own, enough for the query that
# looks for contradictions to have work.
DENIED_SHARE = 0.01


def modality_weights() -> dict[str, float]:
    """Share of each modality among the claims of the synthetic graph: the share of each
    among the facts of the gold files in the repository (one fact a line: the seed gold,
    the dev and holdout sets), scaled to leave DENIED_SHARE for denied claims."""
    import json
    from collections import Counter

    counts: Counter[str] = Counter()
    for path in GOLD:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                counts[json.loads(line)["modality"]] += 1
    total = sum(counts.values())
    shares = {m: (1 - DENIED_SHARE) * n / total for m, n in sorted(counts.items())}
    return {**shares, "denied": DENIED_SHARE}


N_COUNTRIES = 30  # E0 .. E29 are countries (the home countries of all other entities)
N_HUBS = 200  # E0 .. E199 appear in many articles, as the big names do in news


def graph_articles(
    n: int, seed: int = 0, n_entities: int = 20000, modalities: dict[str, float] | None = None
):
    """Yield `n` synthetic (Article, ArticleEntities, facts) over a pool of entities.

    Every article mentions two hub entities (of 200, countries among them) and four of the
    whole pool, so hubs are described in hundreds of article graphs, as in real news; facts
    use every relation of the ontology, `basedIn` points at a country. Claims take their
    modalities in the shares of `modalities` (default: `modality_weights()`).
    """
    from kg.corpus import Article
    from kg.entities import ArticleEntities, Entity
    from kg.relations import Fact
    from kg.vocab import KGE, relations, sectors

    rels = sorted(relations())
    weights = modalities or modality_weights()
    names, shares = list(weights), list(weights.values())
    rng = random.Random(seed)
    classes = ["Company"] * 6 + ["Product", "Technology", "Association", "GovernmentBody"]
    sector_iris = [s.iri for s in sectors()]
    pool = []
    for j in range(n_entities):
        country = j < N_COUNTRIES
        cls = "Country" if country else rng.choice(classes)
        pool.append(
            Entity(
                iri=f"{KGE}E{j}",
                cls=cls,
                label_en=f"Entity {j}",
                label_ja=f"エンティティ{j}",
                aliases=(f"E{j}社",),
                tickers=(f"{j}.T",) if N_COUNTRIES <= j < N_HUBS else (),
                same_as=f"http://www.wikidata.org/entity/Q{1000 + j}" if j < N_HUBS else None,
                home_country=None if country else f"{KGE}E{rng.randrange(N_COUNTRIES)}",
                sectors=(sector_iris[j % len(sector_iris)],) if cls == "Company" else (),
            )
        )
    hubs = pool[:N_HUBS]
    for i in range(n):
        ents = rng.sample(hubs, 2) + rng.sample(pool, 4)
        countries = [e for e in ents if e.cls == "Country"] or [rng.choice(pool[:N_COUNTRIES])]
        facts = []
        for k in range(rng.randint(2, 4)):
            a, b = rng.sample(ents, 2)
            p = rng.choice(rels)
            if p == "basedIn":
                b = rng.choice(countries)
                if b is a:
                    continue
            sentence = f"{a.label_ja}は{b.label_ja}に関する文{k}。"
            facts.append(
                Fact(
                    s=a.iri, p=p, o=b.iri, modality=rng.choices(names, shares)[0],
                    sentence_index=k, char_start=k * 40, char_end=k * 40 + len(sentence),
                    sentence=sentence, s_text=a.label_ja, o_text=b.label_ja, cue="供給",
                    rule="bench/synthetic", confidence=round(rng.uniform(0.5, 0.95), 2),
                    reported_by="関係者" if k % 3 == 0 else None,
                )
            )  # fmt: skip
        ents = ents + [e for e in countries if e not in ents]
        art = Article(
            path=f"synthetic/{i:06d}.md",
            part=0,
            text=f"記事{i}",
            title=f"合成記事{i}",
            date=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}" if i % 10 else None,
            source="bench",
            url=f"https://example.com/news/{i}" if i % 2 else None,
        )
        entities = ArticleEntities(
            mentions=[], entities={e.iri: e for e in ents}, surface={e.iri: {e.label} for e in ents}
        )
        yield art, entities, facts


def synthetic_list():
    """An official list (kg.lists.OfficialList) naming every seventh hub by its English label,
    for the saved queries about lists."""
    from kg.lists import ListEntry, OfficialList

    out = OfficialList("EL", "Entity List", "Bureau of Industry and Security", "synthetic")
    for j in range(N_COUNTRIES, N_HUBS, 7):
        out.entries[f"E{j}"] = ListEntry(
            f"E{j}", f"Entity {j} Co., Ltd.", listed=f"2024-{1 + j % 12:02d}-15"
        )
    return out


def query_params(n_entities: int = 20000) -> dict[str, str]:
    """Parameters for the saved queries on the synthetic graph: entities that occur in it.

    Hub entities (described in hundreds of graphs) for the entity parameters, so the
    measurement is of a well-connected entity, and the first fact of the first article for
    articles-behind-fact.
    """
    _, _, facts = next(graph_articles(1, n_entities=n_entities))
    f = facts[0]
    local = {"entity": "E30", "regulator": "E0", "country": "E1",
             "supplier_country": "E1", "customer_country": "E2"}  # fmt: skip
    out = {k: f"kge:{v}" for k, v in local.items()}
    out |= {"subject": f"kge:{f.s.rsplit('/', 1)[1]}", "relation": f.p,
            "object": f"kge:{f.o.rsplit('/', 1)[1]}", "since": "2024-06-30",
            "list": "list:EL", "sector": "sector:equipment"}  # fmt: skip
    return out
