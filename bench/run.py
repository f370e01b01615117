"""One command for the performance figures: `python bench/run.py` (or `make bench`).

Every step runs as its own process (model load included where there is one); the runner
samples the memory (PSS) of that process and its children every 0.25 s for the peak.
Prints a table and writes it to bench/results.md. Options: --articles N (default 200),
--articles-graph N (synthetic articles of the large graph, default 10000 ≈ 1.0 M quads),
--work DIR (scratch directory, default a temporary one), --jobs N (parser processes, 2).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
PY = sys.executable
KG = [str(Path(PY).parent / "kg")]

# Example queries of the README and docs/, measured alongside the saved queries in kg/queries/.
EXAMPLES = {
    "readme:subsidiaries": "SELECT ?company ?parent WHERE { ?company kg:subsidiaryOf ?parent } "
    "ORDER BY ?company",
    "readme:who-restricts": "SELECT DISTINCT ?regulator ?target ?modality WHERE { ?c a kg:Claim ;"
    " rdf:subject ?regulator ; rdf:predicate kg:restrictsExportsTo ; rdf:object ?target ;"
    " kg:modality ?modality . } ORDER BY ?regulator ?target",
}


SAMPLE_SECONDS = 0.25  # memory sampling interval of a step's process tree
QUERY_TIMEOUT = 90  # seconds per query (warm-up and timed runs) before it is reported as too slow
RDFLIB_TIMEOUT = 30  # the same for rdflib, whose times only bound the ratio to Oxigraph
ANALYSIS_TIMEOUT = 600  # seconds for the networkx projection, kg analyze, kg viz

# ----------------------------------------------------------------- measuring a process


def run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: float | None = None) -> dict:
    """Run `cmd`: wall time, peak memory (PSS) of its process tree, last stdout line as JSON.

    With `timeout`, a step still running after that many seconds is killed and reported as
    `{"timeout": True}`.
    """
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    peak = 0
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        if timeout is not None and time.perf_counter() - started > timeout:
            proc.kill()
            proc.communicate()
            return {"seconds": time.perf_counter() - started, "peak_mb": peak / 2**20,
                    "timeout": True}  # fmt: skip
        try:
            # PSS: pages shared by forked parser processes are counted once, not per process
            rss = sum(p.memory_full_info().pss for p in [ps, *ps.children(recursive=True)])
            peak = max(peak, rss)
        except psutil.Error:
            pass
        # reading one process's PSS costs ~7 ms of CPU here: sampling a 3-process build
        # every 50 ms took ~40% of a core from it, so sample 4 times a second; the wait
        # returns as the process ends, so the time is not rounded up to the interval
        try:
            proc.wait(timeout=SAMPLE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    seconds = time.perf_counter() - started
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"bench step failed: {' '.join(map(str, cmd))}\n{err[-3000:]}")
    lines = [x for x in out.splitlines() if x.startswith("{")]
    data = json.loads(lines[-1]) if lines else {}
    return {"seconds": seconds, "peak_mb": peak / 2**20, **data}


def step(name: str, *args: str) -> list[str]:
    return [PY, str(HERE / "run.py"), "--step", name, *args]


# ----------------------------------------------------------------- steps (child processes)


def step_plain_parse(corpus: str, blas: str = "blis") -> dict:
    """Plain GiNZA: spacy.load + nlp.pipe over the article texts, nothing else; with
    blas="numpy", the model as `kg.parse.load_model` sets it up (thinc on numpy's BLAS)."""
    import spacy

    from kg.corpus import load_corpus
    from kg.parse import load_model

    texts = [a.text for a in load_corpus([corpus]).articles]
    nlp = spacy.load("ja_ginza") if blas == "blis" else load_model()
    n = sum(len(d) for d in nlp.pipe(texts, batch_size=32))
    return {"texts": len(texts), "chars": sum(map(len, texts)), "tokens": n}


def step_facts(store: str) -> dict:
    """Distinct claims (s, p, o, sentence offsets, modality) of a store, as a hash."""
    import hashlib

    from kg.graph import SPARQL_PREFIXES, open_store

    q = SPARQL_PREFIXES + (
        "SELECT ?g ?s ?p ?o ?m ?a ?b WHERE { GRAPH ?g { ?c a kg:Claim ; rdf:subject ?s ; "
        "rdf:predicate ?p ; rdf:object ?o ; kg:modality ?m ; kg:charStart ?a ; kg:charEnd ?b } }"
    )
    rows = sorted(
        "|".join(str(r[v]) for v in ("g", "s", "p", "o", "m", "a", "b"))
        for r in open_store(store).query(q)
    )
    return {"claims": len(rows), "digest": hashlib.sha256("\n".join(rows).encode()).hexdigest()}


def _synthetic_quads(n: int):
    """Each article graph of the synthetic graph, then the synthetic Entity List's graph and
    its links graph (the organisations the articles describe, matched as `kg lists import`
    matches them)."""
    from generate import graph_articles, synthetic_list

    from kg.graph import article_quads
    from kg.lists import links_iri, list_quads, match_entities, match_quads

    names: dict[str, list[str]] = {}
    for art, ents, facts in graph_articles(n):
        for e in ents.entities.values():
            if e.cls in ("Company", "GovernmentBody", "Association"):
                names[e.iri] = [e.label_en, e.label_ja, *e.aliases]
        yield art.key, article_quads(art, ents, facts, extractor="bench", root="bench/corpus")
    listed = synthetic_list()
    yield listed.iri, list_quads(listed)
    entries = {f"{listed.iri}/entry/{k}": e for k, e in listed.entries.items()}
    matches = match_entities(listed.id, entries, names, set(names))
    yield links_iri(listed.id), match_quads(listed.id, matches)


def step_make_graph(n: int, out: str) -> dict:
    """Write the synthetic graph as N-Quads (input of the load steps)."""
    count = 0
    with open(out, "w", encoding="utf-8") as f:
        for _, quads in _synthetic_quads(n):
            f.write("".join(f"{q} .\n" for q in quads))
            count += len(quads)
    return {"quads": count}


def step_load_project(nq: str, store: str) -> dict:
    """The build's write path for new articles: one transaction per article graph
    (`kg.graph.write_article(new=True)`, i.e. `Store.extend`)."""
    import pyoxigraph as ox

    from kg.graph import open_store, write_article

    st = open_store(store)
    by_graph: dict = {}
    for q in ox.parse(path=nq, format=ox.RdfFormat.N_QUADS):
        by_graph.setdefault(q.graph_name, []).append(q)
    t = time.perf_counter()
    for g, quads in by_graph.items():
        write_article(st, g.value, quads, new=True)
    st.flush()
    n = sum(map(len, by_graph.values()))
    return {"quads": n, "load_seconds": time.perf_counter() - t}


def step_load_kg(nq: str, store: str) -> dict:
    """`kg load`: the project's bulk loader (a fresh store, swapped in when complete)."""
    from kg.graph import load_dump

    t = time.perf_counter()
    n = load_dump(store, [nq])
    return {"quads": n, "load_seconds": time.perf_counter() - t}


def step_load_oxigraph(nq: str, store: str) -> dict:
    """pyoxigraph's own bulk loader on the same N-Quads file."""
    import pyoxigraph as ox

    st = ox.Store(store)
    t = time.perf_counter()
    st.bulk_load(path=nq, format=ox.RdfFormat.N_QUADS)
    st.flush()
    return {"quads": len(st), "load_seconds": time.perf_counter() - t}


def saved_queries() -> dict[str, str]:
    """kg/queries/*.rq (discovered at run time), parameters bound to entities of the
    synthetic graph (`generate.query_params`), plus the README examples."""
    from generate import query_params

    from kg.saved import bind, list_saved

    params = query_params()
    found = {}
    for q in list_saved():
        values = {p.name: params[p.name] for p in q.params if p.name in params}
        found[f"saved:{q.name}"] = bind(q, values)
    return {**found, **EXAMPLES}


def step_query_page(store: str, reps: int, name: str) -> dict:
    """A saved query's default page as `kg query --saved NAME` shows it in a table: the
    page (kg.saved.DEFAULT_PAGE rows), the row count of the whole result, the labels."""
    from kg.graph import SPARQL_PREFIXES, open_store
    from kg.query import result_labels, run_page
    from kg.saved import DEFAULT_PAGE

    st = open_store(store, create=False)
    q = SPARQL_PREFIXES + saved_queries()[name]
    shown: list = []

    def go():
        page = run_page(st, q, limit=DEFAULT_PAGE)
        result_labels(st, page)
        shown[:] = [len(page.rows), page.total]

    return {**_timings(go, reps), "rows": shown[0], "total": shown[1]}


def _timings(fn, reps: int, budget: float = 30.0) -> dict:
    """Median and p95 of `reps` runs after a warm-up; fewer runs (at least 3) for a query
    so slow that `reps` runs would take more than `budget` seconds."""
    t = time.perf_counter()
    fn()  # warm-up
    warm = time.perf_counter() - t
    reps = min(reps, max(3, int(budget / max(warm, 1e-6))))
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"median_ms": statistics.median(times), "p95_ms": p95, "reps": reps}


def step_query_oxigraph(store: str, reps: int, name: str) -> dict:
    """One query (its own process, so that the runner can stop a query that runs too long)."""
    from kg.graph import SPARQL_PREFIXES, open_store

    st = open_store(store, create=False)
    q = SPARQL_PREFIXES + saved_queries()[name]

    found: list = []

    def go():
        r = st.query(q, use_default_graph_as_union=True)
        found[:] = list(r) if hasattr(r, "__iter__") else [r]

    return {**_timings(go, reps), "rows": len(found)}


def step_query_rdflib(nq: str, reps: int) -> dict:
    from rdflib import Dataset

    from kg.graph import SPARQL_PREFIXES

    ds = Dataset(default_union=True)
    t = time.perf_counter()
    ds.parse(nq, format="nquads")
    out = {"_load_seconds": time.perf_counter() - t}
    import signal

    def stop(*_):
        raise TimeoutError

    def once(q: str) -> list:
        signal.alarm(RDFLIB_TIMEOUT)  # rdflib is pure Python: the alarm interrupts it
        try:
            return list(ds.query(q))
        finally:
            signal.alarm(0)

    signal.signal(signal.SIGALRM, stop)
    for name, text in saved_queries().items():
        try:  # a timeout means one run took longer than RDFLIB_TIMEOUT
            out[name] = _timings(lambda q=SPARQL_PREFIXES + text: once(q), reps)
        except TimeoutError:
            out[name] = {"timeout": True}
    return out


def step_analysis(store: str, what: str) -> dict:
    """networkx projection / kg analyze / kg viz, when those modules exist."""
    import importlib
    import inspect

    name = {"project": "kg.analysis", "analyze": "kg.analysis", "viz": "kg.viz"}[what]
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError:
        return {"available": False}
    from kg.graph import open_store

    st = open_store(store, create=False)
    t = time.perf_counter()
    if what == "project":
        fn = getattr(mod, "to_networkx", None) or getattr(mod, "project", None)
        if fn is None:
            return {"available": False}
        g = fn(st)
        return {"available": True, "op_seconds": time.perf_counter() - t, "nodes": len(g)}
    if what == "analyze":
        fn = getattr(mod, "analyze", None)
        if fn is None:
            return {"available": False}
        fn(st)
        return {"available": True, "op_seconds": time.perf_counter() - t}
    fn = getattr(mod, "render", None) or getattr(mod, "viz", None)
    if fn is None:
        return {"available": False}
    params = inspect.signature(fn).parameters
    kw = {}
    for key in ("focus", "entity", "center"):
        if key in params:  # a hub company of the synthetic graph (E30), its neighbours
            hub = "https://w3id.org/chipkg/entity/E30"
            kw[key] = [hub] if key == "focus" else hub
    if "output" in params:
        kw["output"] = str(Path(store).parent / "viz.html")
    fn(st, **kw)
    return {"available": True, "op_seconds": time.perf_counter() - t}


# ----------------------------------------------------------------- the runner


def machine() -> str:
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    vers = ", ".join(
        f"{p} {version(p)}" for p in ("spacy", "ja-ginza", "pyoxigraph", "rdflib", "networkx")
    )
    load = os.getloadavg()[0]
    return (
        f"{cpu}, {psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}; {vers}; "
        f"load average at start {load:.2f}"
    )


def real_news() -> Path | None:
    """The real-news gold set (../shared/gold/real beside the checkout, $KG_SHARED, or
    /work/shared), when this machine has it."""
    import os

    for base in (HERE.parent.parent / "shared", os.environ.get("KG_SHARED"), "/work/shared"):
        if base and Path(base, "gold", "real").is_dir():
            return Path(base, "gold", "real")
    return None


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--articles-graph", type=int, default=10000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--work")
    ap.add_argument("--out", default=str(HERE / "results.md"))
    a = ap.parse_args(argv)
    if a.step:
        fn = globals()[f"step_{a.step}"]
        args = [int(x) if x.isdigit() else x for x in a.args]
        print(json.dumps(fn(*args)))
        return

    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="kg-bench-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    rows: list[tuple[str, str, str, str]] = []  # step, figure, ratio, peak memory

    def add(stepname, figure, ratio="", peak=None):
        rows.append((stepname, figure, ratio, f"{peak:.0f} MB" if peak is not None else ""))
        mem = f" (peak {peak:.0f} MB)" if peak is not None else ""
        print(f"  {stepname}: {figure} {ratio}{mem}", file=sys.stderr, flush=True)

    desc = machine()
    print(f"machine: {desc}", file=sys.stderr)
    from generate import make_corpus

    corpus = work / "corpus"
    make_corpus(corpus, a.articles)
    from kg.corpus import load_corpus

    loaded = load_corpus([str(corpus)])
    chars = sum(len(x.text) for x in loaded.articles)
    n_art = len(loaded.articles)
    add("bench corpus", f"{n_art} articles kept of {a.articles} generated, {chars} chars")

    # 1. cold build against the floor
    plain = run(step("plain_parse", str(corpus)), work)
    add(
        "plain nlp.pipe (1 process, model load incl.)",
        f"{plain['seconds']:.1f} s, {chars / plain['seconds']:.0f} chars/s",
        "1.00×",
        plain["peak_mb"],
    )
    from kg.parse import ONE_BLAS_THREAD

    plain_np = run(step("plain_parse", str(corpus), "numpy"), work, ONE_BLAS_THREAD)
    add(
        "plain nlp.pipe, thinc on numpy's BLAS (1 thread), as kg loads the model",
        f"{plain_np['seconds']:.1f} s, {chars / plain_np['seconds']:.0f} chars/s",
        f"{plain['seconds'] / plain_np['seconds']:.2f}× plain",
        plain_np["peak_mb"],
    )
    full = run([*KG, "build", str(corpus), "--store", "s-full", "--full-parse", "--jobs", "1"],
               work)  # fmt: skip
    add(
        "kg build --full-parse --jobs 1",
        f"{full['seconds']:.1f} s",
        f"{plain['seconds'] / full['seconds']:.2f}× plain",
        full["peak_mb"],
    )
    one = run([*KG, "build", str(corpus), "--store", "s-one", "--jobs", "1"], work)
    add(
        "kg build --jobs 1 (cold, pre-filter)",
        f"{one['seconds']:.1f} s, {chars / one['seconds']:.0f} chars/s",
        f"{plain['seconds'] / one['seconds']:.2f}× plain",
        one["peak_mb"],
    )
    shutil.rmtree(work / "s-one", ignore_errors=True)
    cold = run([*KG, "build", str(corpus), "--store", "s", "--jobs", str(a.jobs)], work)
    add(
        f"kg build --jobs {a.jobs} (cold, pre-filter)",
        f"{cold['seconds']:.1f} s, {chars / cold['seconds']:.0f} chars/s",
        f"{plain['seconds'] / cold['seconds']:.2f}× plain",
        cold["peak_mb"],
    )
    f_full = run(step("facts", str(work / "s-full")), work)
    f_cold = run(step("facts", str(work / "s")), work)
    same = f_full["digest"] == f_cold["digest"]
    add(
        "facts: pre-filtered vs full parse",
        f"{f_cold['claims']} vs {f_full['claims']} claims",
        "identical" if same else "DIFFERENT",
    )

    # 1b. real news: the 48 excerpts of the real-news gold set, where the machine has them
    real = real_news()
    if real is not None:
        texts = load_corpus([str(real)]).articles
        real_chars = sum(len(x.text) for x in texts)
        r_plain = run(step("plain_parse", str(real)), work)
        r_build = run([*KG, "build", str(real), "--store", "s-real", "--jobs", str(a.jobs)], work)
        add(
            f"real news ({len(texts)} articles, {real_chars} chars): plain nlp.pipe",
            f"{r_plain['seconds']:.1f} s, {real_chars / r_plain['seconds']:.0f} chars/s",
            "1.00×",
            r_plain["peak_mb"],
        )
        add(
            f"real news: kg build --jobs {a.jobs} (cold)",
            f"{r_build['seconds']:.1f} s, {real_chars / r_build['seconds']:.0f} chars/s",
            f"{r_plain['seconds'] / r_build['seconds']:.2f}× plain",
            r_build["peak_mb"],
        )

    # 2. rebuilds
    again = run([*KG, "build", str(corpus), "--store", "s", "--jobs", str(a.jobs)], work)
    add(
        "rebuild, nothing changed",
        f"{again['seconds']:.2f} s",
        f"{100 * again['seconds'] / cold['seconds']:.1f}% of cold",
        again["peak_mb"],
    )
    first = sorted(corpus.glob("*.md"))[0]
    first.write_text(first.read_text("utf-8") + "TSMCは台湾の企業だ。\n", "utf-8")
    one = run([*KG, "build", str(corpus), "--store", "s", "--jobs", str(a.jobs)], work)
    add(
        "rebuild, one article changed",
        f"{one['seconds']:.2f} s",
        f"{100 * one['seconds'] / cold['seconds']:.1f}% of cold",
        one["peak_mb"],
    )

    # 3. store load
    nq = work / "big.nq"
    made = run(step("make_graph", str(a.articles_graph), str(nq)), work)
    n_quads = made["quads"]
    add("synthetic graph", f"{n_quads} quads, {a.articles_graph} article graphs")
    own = run(step("load_oxigraph", str(nq), str(work / "big-ox")), work)
    own_rate = own["quads"] / own["load_seconds"]
    add(
        "pyoxigraph Store.bulk_load",
        f"{own_rate:,.0f} triples/s ({own['load_seconds']:.1f} s)",
        "1.00×",
        own["peak_mb"],
    )
    for name, target, label in (
        ("load_kg", "big", "kg load (bulk load into a new store, swapped in when complete)"),
        ("load_project", "big-wa",
         "kg build's write path, new articles (write_article: one transaction each)"),
    ):  # fmt: skip
        res = run(step(name, str(nq), target), work)
        rate = res["quads"] / res["load_seconds"]
        add(label, f"{rate:,.0f} triples/s ({res['load_seconds']:.1f} s)",
            f"{rate / own_rate:.2f}× bulk_load", res["peak_mb"])  # fmt: skip
    shutil.rmtree(work / "big-wa", ignore_errors=True)  # "big" is queried below

    # 4. queries: each saved query's default page, then every query's whole result
    pages = {}
    for name in saved_queries():
        if name.startswith("saved:"):
            pages[name] = run(step("query_page", str(work / "big"), str(a.reps), name), work,
                              timeout=QUERY_TIMEOUT)  # fmt: skip
    oxq = {"peak_mb": 0.0}
    for name in saved_queries():
        res = run(step("query_oxigraph", str(work / "big"), str(a.reps), name), work,
                  timeout=QUERY_TIMEOUT)  # fmt: skip
        oxq["peak_mb"] = max(oxq["peak_mb"], res.pop("peak_mb"))
        oxq[name] = res
    rdq = run(step("query_rdflib", str(nq), "3"), work)
    add(
        "rdflib in-memory Dataset: parse the graph",
        f"{rdq.pop('_load_seconds'):.1f} s",
        "",
        rdq.pop("peak_mb"),
    )
    rdq.pop("seconds")
    ox_peak = oxq.pop("peak_mb")
    never = f"> {QUERY_TIMEOUT} s (stopped)"
    never_rdflib = f"> {RDFLIB_TIMEOUT} s (stopped)"
    for name, pg in pages.items():
        if pg.get("timeout"):
            add(f"query {name}, default page", never, "", pg["peak_mb"])
            continue
        page = f"rows 1–{pg['rows']} of {pg['total']:,}" if pg["rows"] < pg["total"] else (
            f"all {pg['total']:,} rows")  # fmt: skip
        add(f"query {name}, default page", f"{page}: median {pg['median_ms']:.1f} ms, "
            f"p95 {pg['p95_ms']:.1f} ms ({pg['reps']} runs)",
            "under 100 ms" if pg["median_ms"] < 100 else "OVER 100 ms", pg["peak_mb"])  # fmt: skip
    for name in oxq:
        o, r = oxq[name], rdq[name]
        ofig = (
            never
            if o.get("timeout")
            else (
                f"{o['rows']:,} rows: median {o['median_ms']:.1f} ms, p95 {o['p95_ms']:.1f} ms"
                f" ({o['reps']} runs)"
            )
        )
        rfig = (
            never_rdflib
            if r.get("timeout")
            else f"median {r['median_ms']:.0f} ms ({r['reps']} runs)"
        )
        if o.get("timeout"):
            ratio = ""
        elif r.get("timeout"):
            ratio = f"> {RDFLIB_TIMEOUT * 1000 / o['median_ms']:.0f}× faster than rdflib"
        elif r["median_ms"] >= o["median_ms"]:
            ratio = f"{r['median_ms'] / o['median_ms']:.1f}× faster than rdflib"
        else:
            ratio = f"{r['median_ms'] / o['median_ms']:.2f}× (rdflib faster)"
        add(f"query {name}, whole result", f"Oxigraph {ofig}; rdflib {rfig}", ratio, ox_peak)

    # 5. analysis and viz
    for what, label in (
        ("project", "networkx projection"),
        ("analyze", "kg analyze"),
        ("viz", "kg viz (focused subgraph)"),
    ):
        res = run(step("analysis", str(work / "big"), what), work, timeout=ANALYSIS_TIMEOUT)
        if res.get("timeout"):
            add(label, f"> {ANALYSIS_TIMEOUT} s (stopped)", "", res["peak_mb"])
        elif res.get("available"):
            add(label, f"{res['op_seconds']:.2f} s", "", res["peak_mb"])
        else:
            add(label, "not available (module missing on this branch)")

    table = ["| step | figure | ratio | peak memory |", "|---|---|---|---|"]
    table += [f"| {s} | {f} | {r} | {m} |" for s, f, r, m in rows]
    text = (
        f"# Bench results\n\nMachine: {desc}\n\n"
        f"Command: `python bench/run.py --articles {a.articles} "
        f"--articles-graph {a.articles_graph} --jobs {a.jobs}`\n\n" + "\n".join(table) + "\n"
    )
    print(text)
    Path(a.out).write_text(text, encoding="utf-8")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
