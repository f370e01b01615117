"""What a SPARQL request sent to `kg serve` asks for, read before the engine sees it.

`kg serve` refuses, whatever the mode, the two operations that make the engine reach
outside the store: `SERVICE` (a federated query: the engine fetches another endpoint, which
would let any web page use the server to reach hosts only it can see) and `LOAD` (an update
that fetches a URL). It refuses updates unless started with `--allow-update`.

The text is split into tokens the way the SPARQL grammar does (strings, IRIs, comments,
variables, prefixed names, words), so the words inside a string, an IRI or a comment do not
count, and `?service` or `ex:service` are names, not keywords. Where the engine's parser
(a PEG grammar, without word boundaries) could read a keyword that a tokenizer would not,
the check errs on the side of refusing: a bare word that merely contains SERVICE, a prefix
named `service:` (`SERVICE:x` is a federated query to the IRI `:x` for Oxigraph), and the
same text with its `\\uXXXX` escapes decoded are all checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:'{0,2}(?:[^'\\]|\\.))*'''|\"\"\"(?:"{0,2}(?:[^"\\]|\\.))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00b7]+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<bnode>_:[\w.\-]+)
    | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w.\-:%]|\\.)*)
    | (?P<word>[^\W\d_]\w*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
UPDATE_FORMS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
REACHES_OUTSIDE = ("SERVICE", "LOAD")


@dataclass(frozen=True)
class Request:
    """What a SPARQL text asks for: `keyword` is its operation (SELECT, ASK, INSERT, ...,
    upper case; empty when there is none: malformed, left to the engine to explain);
    `outside` names the first keyword that would make the engine fetch from the network
    (SERVICE or LOAD), or is empty; `variables` are those a SELECT projects (empty for
    `SELECT *` and other forms)."""

    keyword: str
    outside: str
    variables: tuple[str, ...] = ()

    @property
    def form(self) -> str:
        """ "query", "update" or ""."""
        if self.keyword in QUERY_FORMS:
            return "query"
        return "update" if self.keyword in UPDATE_FORMS else ""


def _tokens(text: str) -> list[tuple[str, str]]:
    return [
        (m.lastgroup, m.group())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("space", "comment")
    ]


def _unescaped(text: str) -> str:
    def char(m: re.Match) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group()

    return _ESCAPE.sub(char, text)


def _operation(tokens: list[tuple[str, str]]) -> int:
    """Index of the operation's keyword, after the prologue (BASE and PREFIX); -1 if none."""
    i = 0
    while i < len(tokens) and tokens[i][0] == "word":
        keyword = tokens[i][1].upper()
        if keyword == "BASE":
            i += 2
        elif keyword == "PREFIX":
            i += 3
        else:
            return i if keyword in QUERY_FORMS | UPDATE_FORMS else -1
    return -1


def _projection(tokens: list[tuple[str, str]]) -> tuple[str, ...]:
    """The variables of a SELECT clause starting at tokens[0] (empty for SELECT *)."""
    names, depth = [], 0
    for i, (kind, text) in enumerate(tokens[1:], start=1):
        if kind == "other" and text in "({":
            if text == "{":
                break
            depth += 1
        elif kind == "other" and text == ")":
            depth -= 1
        elif kind == "other" and text == "*" and depth == 0:
            return ()
        elif kind == "word" and depth == 0 and text.upper() in ("WHERE", "FROM"):
            break
        elif kind == "var" and (depth == 0 or tokens[i - 1][1].upper() == "AS"):
            names.append(text[1:])
    return tuple(dict.fromkeys(names))


def _outside(tokens: list[tuple[str, str]]) -> str:
    for kind, text in tokens:
        for keyword in REACHES_OUTSIDE:
            if kind == "word" and keyword in text.upper():
                return keyword
            if kind == "pname" and text.split(":", 1)[0].upper() == keyword:
                return keyword
    return ""


def inspect(text: str) -> Request:
    """Read `text` (a query or an update) as the engine will; see the module docstring."""
    tokens = _tokens(text)
    outside = _outside(tokens)
    decoded = _unescaped(text)
    if not outside and decoded != text:
        outside = _outside(_tokens(decoded))
    at = _operation(tokens)
    if at < 0:
        return Request("", outside)
    keyword = tokens[at][1].upper()
    variables = _projection(tokens[at:]) if keyword == "SELECT" else ()
    return Request(keyword, outside, variables)
