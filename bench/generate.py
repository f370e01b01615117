"""Bench data: distinct articles made from the seed articles, and a large synthetic graph.

`make_corpus(out, n, seed)` writes `n` articles. Each takes the sentences of one seed article
(corpus/ and tests/data/eval/*/corpus), keeps a random run of them in shuffled order, swaps
every gazetteer company name for another company of the gazetteer (one consistent swap per
article) and replaces every number by a random one, so the corpus loader's exact and
near-duplicate detection keeps them all. Texts are real Japanese news prose, so GiNZA's cost
per character is that of the real corpus.

`graph_articles(n, seed)` yields (article, entities, facts) in the project's data model
(`kg.graph.article_quads` turns them into quads): about 55 quads per article.
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


RELS = ["suppliesTo", "manufacturesFor", "subsidiaryOf", "competesWith", "partnersWith",
        "restrictsExportsTo", "develops", "uses", "basedIn", "investsIn", "acquires"]  # fmt: skip
MODALITIES = ["asserted", "asserted", "asserted", "reported", "hedged", "planned", "denied"]


def graph_articles(n: int, seed: int = 0, n_entities: int = 20000):
    """Yield `n` synthetic (Article, ArticleEntities, facts) over a pool of entities."""
    from kg.corpus import Article
    from kg.entities import ArticleEntities, Entity
    from kg.relations import Fact
    from kg.vocab import KGE

    rng = random.Random(seed)
    classes = ["Company"] * 6 + ["Country", "Product", "Technology", "Association"]
    pool = [
        Entity(
            iri=f"{KGE}E{j}",
            cls=rng.choice(classes),
            label_en=f"Entity {j}",
            label_ja=f"エンティティ{j}",
            aliases=(f"E{j}社",),
            home_country=f"{KGE}E{rng.randrange(50)}",
        )
        for j in range(n_entities)
    ]
    hubs = pool[:200]  # a few entities appear everywhere, as in news
    for i in range(n):
        ents = rng.sample(hubs, 2) + rng.sample(pool, 4)
        facts = []
        for k in range(rng.randint(2, 4)):
            a, b = rng.sample(ents, 2)
            sentence = f"{a.label_ja}は{b.label_ja}に関する文{k}。"
            facts.append(
                Fact(
                    s=a.iri, p=rng.choice(RELS), o=b.iri, modality=rng.choice(MODALITIES),
                    sentence_index=k, char_start=k * 40, char_end=k * 40 + len(sentence),
                    sentence=sentence, s_text=a.label_ja, o_text=b.label_ja, cue="供給",
                    rule="bench/synthetic", confidence=round(rng.uniform(0.5, 0.95), 2),
                    reported_by="関係者" if k % 3 == 0 else None,
                )
            )  # fmt: skip
        art = Article(
            path=f"synthetic/{i:06d}.md",
            part=0,
            text=f"記事{i}",
            title=f"合成記事{i}",
            date=f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
            source="bench",
        )
        entities = ArticleEntities(
            mentions=[], entities={e.iri: e for e in ents}, surface={e.iri: {e.label} for e in ents}
        )
        yield art, entities, facts
