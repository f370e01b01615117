"""One catalogue of the project's errors and warnings.

The library raises these; only the CLI prints them. Every message names the
thing at fault and says what the user can do about it.
"""

from __future__ import annotations


class KgError(Exception):
    """Base of every error this project raises on purpose."""

    code = "E000"

    def __init__(self, message: str) -> None:
        super().__init__(f"[{self.code}] {message}")
        self.message = message

    def __reduce__(self):
        # pickled as its text and attributes, so an error raised in a worker process (a
        # parser pool, a Dask worker) reaches the driver unchanged whatever its __init__ takes
        return (_restore, (type(self), str(self), self.__dict__))


def _restore(cls: type[KgError], text: str, state: dict) -> KgError:
    err = cls.__new__(cls)
    Exception.__init__(err, text)
    err.__dict__.update(state)
    return err


class CorpusError(KgError):
    """A corpus file cannot be read as an article (binary, undecodable, empty, bad front matter)."""

    code = "E010"

    def __init__(self, path: str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ModelError(KgError):
    """The GiNZA model is missing or cannot be loaded."""

    code = "E020"


class GazetteerError(KgError):
    """The gazetteer or a cue file under ontology/ is malformed."""

    code = "E030"


class StoreError(KgError):
    """The store cannot be opened, is busy, or holds data we cannot read."""

    code = "E040"


class StoreBusyError(StoreError):
    """Another process is building the store (it holds ``<store>/lock``)."""

    code = "E041"


class QueryError(KgError):
    """A SPARQL query is malformed, or a saved query or parameter is unknown."""

    code = "E050"


class EvalError(KgError):
    """A gold file for `kg eval` is malformed."""

    code = "E060"


class ExecutorError(KgError):
    """A distributed executor (Dask) is not installed or its scheduler cannot be reached."""

    code = "E070"


class ServeError(KgError):
    """`kg serve` cannot run with the options given (a port out of range, an address in use)."""

    code = "E080"


class UnknownEntityError(QueryError):
    """A name given for an entity is neither in the gazetteer nor in the store."""

    code = "E051"


class ListError(KgError):
    """An official list file (`kg lists import`) has a layout, encoding or row we cannot read."""

    code = "E090"
