"""Parsing and extraction on a Dask cluster (`kg build --executor dask [--scheduler ADDR]`).

Workers run `kg.pipeline.extract_text` (GiNZA, entity linking, relation extraction) and send back
plain Python data; the process that runs `kg build` keeps the store and the parse cache, so
a cluster needs neither the store nor a shared disk. Each worker process loads GiNZA once
(`kg.parse.load_model` caches it per process). Workers need the `kg` package, its ontology
files and ja-ginza installed: `pip install -e '.[dask]'` on every machine.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from kg.errors import ExecutorError

if TYPE_CHECKING:
    from kg.pipeline import ArticleResult


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2):
    """A `distributed.Client` on `scheduler`, or on a local cluster of `n_workers` processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ExecutorError(
            f"--executor dask needs Dask ({exc}); install it with pip install -e '.[dask]'"
        ) from exc
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except OSError as exc:
            raise ExecutorError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from exc
        try:
            yield client
        finally:
            client.close()
        return
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def map_articles(
    client, texts: Sequence[str], cached: Sequence[bytes | None], prefilter: bool = True
) -> Iterator[tuple[int, ArticleResult]]:
    """(index, result) for every text as workers finish them (not in input order)."""
    from distributed import as_completed

    from kg.pipeline import extract_text

    futures = {
        client.submit(extract_text, text, blob, prefilter, pure=False): i
        for i, (text, blob) in enumerate(zip(texts, cached, strict=True))
    }
    for future in as_completed(futures):
        yield futures[future], future.result()
