"""Regenerate every worked example in README.md and docs/*.md from the real output on the
demo corpus.

    .venv/bin/python scripts/readme_examples.py [--check]

Builds corpus/ into a temporary store (`kg build corpus/`, run from the repository root with
KG_STORE pointing at the temporary store, so corpus roots are recorded as in a normal
build), runs every documented command there and replaces the text between
`<!-- example:NAME -->` and `<!-- /example:NAME -->` with the fresh output, in whichever of
README.md and docs/*.md holds that pair (exactly one of them must). The saved-queries section
(`<!-- saved-queries:begin -->` ... `end`) is every saved query with its output. `make demo`
is run for real in a scratch copy of the checkout (corpus/ copied, .venv linked, the install
stamp taken as up to date). `kg serve` is started on a free 127.0.0.1 port and stopped at the
end. It works from any checkout and any current directory.

The output is real apart from these normalisations, which keep the examples the same in
every checkout: the scratch directories are shown as `~/kg` (they only appear in paths that
`kg viz` prints), the server's port as 7878, trailing blanks are stripped, and a few long
outputs are cut (marked with `…`). Timings are kept as measured.

Any command that fails stops the script with one line on stderr and exit status 1; the
files are then left as they were. `--check` writes nothing and exits 1 when a file is out of
date in anything but timings; it reuses the first build's parses for `make demo`, which
changes only its timing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
SHOWN_PORT = 7878
SHOWN_CHECKOUT = "~/kg"  # how the scratch checkouts are shown
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SEED = "tests/data/seed-gold"
EVAL = f"kg eval --entities {SEED}/seed-entities.jsonl --relations {SEED}/seed-relations.jsonl"


class Failed(Exception):
    """A command failed; the message is the one line the script prints."""


# ----------------------------------------------------------------- output shaping


def from_line(prefix: str) -> Callable[[str], str]:
    """Keep the output from the first line starting with `prefix` (earlier lines: `…`)."""

    def cut(text: str) -> str:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.startswith(prefix):
                return "\n".join((["…"] if i else []) + lines[i:])
        raise Failed(f"expected a line starting with {prefix!r} in:\n{text}")

    return cut


def first_items(n: int) -> Callable[[str], str]:
    """In `--show` listings, keep the first `n` items of each list (`  item` + `    detail`)."""

    def cut(text: str) -> str:
        out, count, skipping = [], 0, False
        for line in text.splitlines():
            if not line.startswith("  "):  # a heading or a blank line
                count, skipping = 0, False
                out.append(line)
            elif not line.startswith("    "):  # an item
                count += 1
                if count > n and not skipping:
                    out.append("  …")
                skipping = count > n
                if not skipping:
                    out.append(line)
            elif not skipping:
                out.append(line)
        return "\n".join(out)

    return cut


def head_lines(n: int) -> Callable[[str], str]:
    def cut(text: str) -> str:
        lines = text.splitlines()
        return "\n".join(lines[:n] + (["…"] if len(lines) > n else []))

    return cut


def compose(*fs: Callable[[str], str]) -> Callable[[str], str]:
    def run(text: str) -> str:
        for f in fs:
            text = f(text)
        return text

    return run


# ----------------------------------------------------------------- the examples


@dataclass
class Cmd:
    """A shell command, shown exactly as run (bar the port), with its combined output."""

    line: str
    cwd: str = "work"  # "repo": the repository root; "work", "demo": scratch directories
    shape: Callable[[str], str] | None = None
    show: str | None = None  # what the README shows instead of `line`


@dataclass
class File:
    """A file written into the scratch directory, shown as `$ cat NAME`."""

    name: str
    text: str


@dataclass
class Example:
    name: str
    steps: list[Cmd | File] = field(default_factory=list)
    lang: str = "console"


WHO_RQ = """\
# Who restricts exports to whom, and how the articles put it
SELECT DISTINCT ?regulator ?target ?modality WHERE {
  ?c a kg:Claim ; rdf:subject ?regulator ; rdf:predicate kg:restrictsExportsTo ;
     rdf:object ?target ; kg:modality ?modality .
} ORDER BY ?regulator ?target
"""
SUBSIDIARIES = (
    "SELECT ?company ?parent WHERE { ?company kg:subsidiaryOf ?parent } ORDER BY ?company"
)
CLIENT_PY = """\
from SPARQLWrapper import JSON, SPARQLWrapper

w = SPARQLWrapper("http://127.0.0.1:{port}/query")
w.setQuery(\"\"\"
    PREFIX kg: <https://w3id.org/chipkg/ontology#>
    SELECT DISTINCT ?company ?parent WHERE {{ ?company kg:subsidiaryOf ?parent }}
    ORDER BY ?company LIMIT 3\"\"\")
w.setReturnFormat(JSON)
for row in w.query().convert()["results"]["bindings"]:
    print(row["company"]["value"], "->", row["parent"]["value"])
"""

CLAIM = (
    "SELECT ?property ?value WHERE { ?c rdf:subject kge:United_States ;"
    " rdf:predicate kg:restrictsExportsTo ; rdf:object kge:SiCarrier ; ?property ?value }"
)


def until_line(prefix: str) -> Callable[[str], str]:
    """Keep the output up to the line starting with `prefix` (later lines: `…`)."""

    def cut(text: str) -> str:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if line.startswith(prefix):
                return "\n".join(lines[: i + 1] + (["…"] if i + 1 < len(lines) else []))
        raise Failed(f"expected a line starting with {prefix!r} in:\n{text}")

    return cut


def first_warning(text: str) -> str:
    """Of each run of `warning:` lines keep the first (the rest: `…`)."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("warning:") and out and out[-1].startswith(("warning:", "…")):
            if out[-1] != "…":
                out.append("…")
            continue
        out.append(line)
    return "\n".join(out)


def skip_from_blank(after: str, resume: str) -> Callable[[str], str]:
    """Cut the output from the first blank line after the line starting with `after` to the
    line starting with `resume` (shown as one `…`)."""

    def cut(text: str) -> str:
        lines = text.splitlines()
        try:
            start = next(i for i, line in enumerate(lines) if line.startswith(after))
            blank = lines.index("", start)
            back = next(i for i, line in enumerate(lines) if i > blank and line.startswith(resume))
        except (StopIteration, ValueError):
            raise Failed(f"expected {after!r}, a blank line, then {resume!r} in:\n{text}") from None
        return "\n".join(lines[:blank] + ["…"] + lines[back:])

    return cut


# In the order they run; the build must come first, serve and saved queries last.
EXAMPLES = [
    Example(
        "build",
        [
            Cmd("kg build corpus/", cwd="repo", shape=first_warning),
            Cmd(
                "kg build corpus/          # nothing changed: nothing is parsed",
                cwd="repo",
                shape=first_warning,
            ),
        ],
    ),
    Example("validate", [Cmd("kg validate")]),
    Example(
        "query",
        [Cmd(f"kg query '{SUBSIDIARIES}'"), Cmd(f"kg query '{SUBSIDIARIES}' --format csv")],
    ),
    Example(
        "query-formats",
        [
            File("who.rq", WHO_RQ),
            Cmd("kg query who.rq"),
            Cmd("kg query who.rq --format json"),
            Cmd("kg query 'ASK { kge:SiCarrier kg:subsidiaryOf kge:Huawei }' --format json"),
        ],
    ),
    Example(
        "saved-cli",
        [
            Cmd("kg query --list", shape=head_lines(6)),
            Cmd("kg query --saved facts-about --param entity=ファーウェイ --limit 4"),
            Cmd("kg query --saved facts-about --param entity=ファーウェイ --limit 4 --offset 4"),
        ],
    ),
    Example("claim", [Cmd(f"kg query '{CLAIM}'")]),
    Example(
        "export",
        [
            Cmd("kg export -o graph.nq"),
            Cmd("wc -l < graph.nq"),
            Cmd(
                "grep -m 2 -F '<https://w3id.org/chipkg/entity/United_States>"
                " <https://w3id.org/chipkg/ontology#restrictsExportsTo>' graph.nq"
            ),
        ],
    ),
    Example(
        "export-other",
        [
            Cmd("kg export -f graphml -o graph.graphml"),
            Cmd("kg export -f csv -o claims.csv"),
            Cmd("head -n 2 claims.csv"),
        ],
    ),
    Example(
        "why",
        [
            Cmd("kg why SiCarrier 供給先 Huawei"),
            Cmd("kg why サイキャリア subsidiaryOf ファーウェイ"),
        ],
    ),
    Example("eval", [Cmd(EVAL, cwd="repo")]),
    Example(
        "eval-modality",
        [Cmd(f"{EVAL} --by-modality", cwd="repo", shape=from_line("modality accuracy"))],
    ),
    Example(
        "eval-show",
        [
            Cmd(
                f"{EVAL} --show",
                cwd="repo",
                shape=compose(from_line("missed gold facts"), first_items(2)),
            )
        ],
    ),
    Example(
        "analyze", [Cmd("kg analyze", shape=until_line("most central entities, suppliesTo edges"))]
    ),
    Example("explain", [Cmd("kg explain 東京エレクトロン ファーウェイ")]),
    Example(
        "viz",
        [
            Cmd("kg viz --focus ファーウェイ -o out/huawei.html"),
            Cmd(
                "kg viz --relation restrictsExportsTo --relation suppliesTo"
                " --lang en -o out/controls.html"
            ),
        ],
    ),
    Example(
        "lists",
        [
            Cmd("kg lists import tests/data/lists/csl-sample.csv", cwd="repo"),
            Cmd("kg query --saved listed-in-the-news --limit 2"),
            Cmd("kg query --saved export-controls-vs-list --limit 3"),
        ],
    ),
    # `make -o STAMP`: never reinstall from the scratch checkout (it would point the venv there)
    Example(
        "make-demo",
        [
            Cmd(
                "make --no-print-directory -o .venv/.stamp-install demo",
                cwd="demo",
                show="make demo",
                # the build's report, the counts of kg stats (not its tables), what kg viz wrote
                shape=compose(
                    first_warning, skip_from_blank(".venv/bin/kg stats", ".venv/bin/kg viz")
                ),
            )
        ],
    ),
    Example("serve", []),  # filled in by `serve()`
    Example("serve-client", []),
]


# ----------------------------------------------------------------- running


class Runner:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.work = tmp / "kg"  # the scratch directory commands run in
        self.demo = tmp / "demo"  # a scratch checkout for `make demo`
        self.store = tmp / "store"
        self.work.mkdir()
        self.port: int | None = None
        self.env = dict(
            os.environ,
            KG_STORE=str(self.store),
            PYTHONUNBUFFERED="1",
            PYTHONIOENCODING="utf-8",
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        )
        self.env.pop("KG_UPDATE_URL", None)

    def shown(self, text: str) -> str:
        """Normalise what is shown: the checkouts -> ~/kg, port -> 7878."""
        for d in (self.work, self.demo, REPO):
            text = text.replace(str(d), SHOWN_CHECKOUT)
        if self.port is not None:
            text = text.replace(f"127.0.0.1:{self.port}", f"127.0.0.1:{SHOWN_PORT}")
            text = text.replace(f"--port {self.port}", f"--port {SHOWN_PORT}")
        lines = [line.rstrip() for line in text.splitlines()]
        return "\n".join(lines).strip("\n")  # (a progress bar leaves a blank line off a tty)

    def run(self, cmd: Cmd) -> str:
        line = cmd.line
        if self.port is not None:
            line = line.replace(f"127.0.0.1:{SHOWN_PORT}", f"127.0.0.1:{self.port}")
        cwd = {"repo": REPO, "work": self.work, "demo": self.demo}[cmd.cwd]
        env = self.env
        if cmd.cwd == "demo":  # `make demo` uses the default store, .kg/store, of its checkout
            env = {k: v for k, v in env.items() if k != "KG_STORE"}
        proc = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=900,
        )
        out = proc.stdout.decode("utf-8", errors="replace")
        if proc.returncode:
            last = (out.strip().splitlines() or ["(no output)"])[-1]
            raise Failed(f"`{cmd.line}` exited with status {proc.returncode}: {last}")
        out = self.shown(out)
        return cmd.shape(out) if cmd.shape else out

    def block(self, ex: Example) -> str:
        body: list[str] = []
        for step in ex.steps:
            if isinstance(step, File):
                (self.work / step.name).write_text(step.text, encoding="utf-8")
                body += [f"$ cat {step.name}", self.shown(step.text)]
            else:
                out = self.run(step)
                body += [f"$ {self.shown(step.show or step.line)}"] + ([out] if out else [])
        return fence(ex.lang, "\n".join(body))

    def prepare_demo(self) -> None:
        """A scratch checkout where `make demo` runs for real without touching the repo."""
        self.demo.mkdir()
        shutil.copytree(REPO / "corpus", self.demo / "corpus")
        for name in ("Makefile", "pyproject.toml", ".venv"):
            (self.demo / name).symlink_to(REPO / name)

    def share_parses(self) -> None:
        """Give the scratch checkout's store the parses of the first build (`--check` only:
        `make demo` then loads no model, which changes its timing and nothing else)."""
        shutil.copytree(self.store / "parse-cache", self.demo / ".kg" / "store" / "parse-cache")


def fence(lang: str, body: str) -> str:
    if "```" in body:
        raise Failed("an output contains ``` and cannot be fenced")
    return f"```{lang}\n{body}\n```"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(r: Runner) -> tuple[str, str]:
    """Start `kg serve` on a free port, query it with curl and SPARQLWrapper, stop it."""
    r.port = free_port()
    proc = subprocess.Popen(
        ["kg", "serve", "--port", str(r.port)],
        cwd=r.work,
        env=r.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first: list[bytes] = []
    reader = threading.Thread(target=lambda: first.append(proc.stderr.readline()), daemon=True)
    reader.start()
    reader.join(60)
    try:
        line = first[0].decode("utf-8").strip() if first else ""
        if not line.startswith("serving"):
            rest = proc.stderr.read().decode() if proc.poll() is not None else ""
            msg = " ".join((line + " " + rest).split()) or "no answer within 60 s"
            raise Failed(f"`kg serve --port {r.port}` did not start: {msg}")
        url = f"http://127.0.0.1:{SHOWN_PORT}/query"
        csv_query = (
            "SELECT ?s WHERE { ?s <https://w3id.org/chipkg/ontology#subsidiaryOf> ?o }"
            " ORDER BY ?s LIMIT 2"
        )
        steps = [
            Cmd(f"curl -sf {url} -H 'Accept: text/csv' --data-urlencode 'query={csv_query}'"),
            Cmd(f"curl -sf 'http://127.0.0.1:{SHOWN_PORT}/search?q=huawei'"),
            Cmd(
                f"curl -s -o /dev/null -w '%{{http_code}}\\n' {url}"
                " --data-urlencode 'update=DROP ALL'"
            ),
        ]
        body = [f"$ kg serve --port {SHOWN_PORT} &", r.shown(line)]
        for c in steps:
            body += [f"$ {c.line}", r.run(c)]
        served = fence("console", "\n".join(body))
        (r.work / "client.py").write_text(CLIENT_PY.format(port=r.port), encoding="utf-8")
        client_out = r.run(Cmd("python client.py"))
        client = fence(
            "console",
            "\n".join(
                [
                    "$ cat client.py",
                    r.shown(CLIENT_PY.format(port=r.port)).rstrip(),
                    "$ python client.py",
                    client_out,
                ]
            ),
        )
        return served, client
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


SAVED_BEGIN, SAVED_END = "<!-- saved-queries:begin -->", "<!-- saved-queries:end -->"


def saved_queries(store_dir: Path) -> str:
    """The saved-queries section: for every saved query its title, description, parameters,
    the command and its first page, as `kg query --saved NAME` prints it."""
    from kg import graph
    from kg.query import format_result, result_labels
    from kg.saved import list_saved, run_saved

    store = graph.open_store(str(store_dir), create=False)
    out = [SAVED_BEGIN, ""]
    try:
        for q in list_saved():
            params = " ".join(f"--param {p.name}={p.default!r}" if " " in p.default
                              else f"--param {p.name}={p.default}" for p in q.params)  # fmt: skip
            out += [f"#### `{q.name}`: {q.title}", "", q.description]
            if q.params:
                out.append("")
                out += [f"- `{p.name}` ({p.kind}, default `{p.default}`): {p.description}"
                        for p in q.params]  # fmt: skip
            page = run_saved(store, q.name)
            shown = format_result(page, "table", labels=result_labels(store, page))
            out += ["", "```console", f"$ kg query --saved {q.name} {params}".rstrip(), shown,
                    "```", ""]  # fmt: skip
    finally:
        del store
        graph.close_store(str(store_dir))
    out.append(SAVED_END)
    return "\n".join(out)


def gazetteer_entry(name: str = "kge:Naura") -> str:
    """One entry of ontology/gazetteer.ttl, as it is in the file."""
    text = (REPO / "ontology" / "gazetteer.ttl").read_text(encoding="utf-8")
    m = re.search(rf"^{re.escape(name)} a .*?(?=\n\s*\n|\Z)", text, re.DOTALL | re.MULTILINE)
    if not m:
        raise Failed(f"ontology/gazetteer.ttl has no entry {name}")
    return fence("turtle", m.group(0))


# ----------------------------------------------------------------- README


def marker_pattern(name: str) -> re.Pattern:
    n = re.escape(name)
    return re.compile(rf"^(<!-- example:{n} -->)$.*?^(<!-- /example:{n} -->)$", re.DOTALL | re.M)


def replace_blocks(texts: dict[Path, str], blocks: dict[str, str], saved: str) -> dict[Path, str]:
    """`texts` (file -> text) with every example block and the saved-queries section replaced;
    each must stand in exactly one file, once."""
    out = dict(texts)
    for name, block in blocks.items():
        pattern = marker_pattern(name)
        holders = [f for f, t in out.items() if pattern.search(t)]
        if len(holders) != 1 or len(pattern.findall(out[holders[0]])) != 1:
            raise Failed(
                f"need exactly one <!-- example:{name} --> ... <!-- /example:{name} --> pair in"
                f" README.md and docs/*.md; found it in {len(holders)} file(s)"
            )
        f = holders[0]
        out[f] = pattern.sub(lambda m, b=block: f"{m.group(1)}\n{b}\n{m.group(2)}", out[f])
    for f, text in out.items():
        unknown = set(re.findall(r"^<!-- example:([\w-]+) -->$", text, re.M)) - set(blocks)
        if unknown:
            raise Failed(f"{f.name}: no example named {', '.join(sorted(unknown))}")
    # whole lines only: the prose names the markers too
    pattern = re.compile(f"^{re.escape(SAVED_BEGIN)}$.*?^{re.escape(SAVED_END)}$", re.DOTALL | re.M)
    holders = [f for f, t in out.items() if pattern.search(t)]
    if len(holders) != 1:
        raise Failed(f"need {SAVED_BEGIN} ... {SAVED_END} in exactly one file")
    out[holders[0]] = pattern.sub(lambda _m: saved, out[holders[0]])
    return out


TIMING = re.compile(r"\d+(\.\d+)? s\b")


def sources_fingerprint() -> str:
    """A hash of everything the outputs depend on: kg/, ontology/, corpus/, the gold files."""
    h = hashlib.sha1()
    for top in ("kg", "ontology", "corpus", SEED):
        for f in sorted((REPO / top).rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def generate(check: bool) -> tuple[dict[str, str], str]:
    if not (VENV_BIN / "kg").exists():
        raise Failed(f"no {VENV_BIN / 'kg'}: run `make demo` (or pip install -e .) first")
    before = sources_fingerprint()
    blocks, saved = run_all(check)
    if sources_fingerprint() != before:
        raise Failed(
            "kg/, ontology/, corpus/ or the seed gold changed while the examples ran,"
            " so they may disagree; nothing written, run the script again"
        )
    return blocks, saved


def run_all(check: bool) -> tuple[dict[str, str], str]:
    with tempfile.TemporaryDirectory(prefix="readme-examples-") as tmp:
        r = Runner(Path(tmp))
        r.prepare_demo()
        blocks: dict[str, str] = {}
        for ex in EXAMPLES:
            if ex.name == "make-demo" and check:
                r.share_parses()
            if ex.steps:
                blocks[ex.name] = r.block(ex)
            print(f"  {ex.name}", file=sys.stderr)
        blocks["serve"], blocks["serve-client"] = serve(r)
        blocks["gazetteer-entry"] = gazetteer_entry()
        saved = saved_queries(r.store)
    return blocks, saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="Write nothing; exit 1 if a file differs in more than timings.",
    )
    args = ap.parse_args()
    try:
        texts = {f: f.read_text(encoding="utf-8") for f in DOCUMENTS}
        blocks, saved = generate(args.check)
        new = replace_blocks(texts, blocks, saved)
    except Failed as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)
        raise SystemExit(1) from None
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"error: {type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        raise SystemExit(1) from None
    changed = [f for f in DOCUMENTS if TIMING.sub("T s", new[f]) != TIMING.sub("T s", texts[f])]
    if args.check:
        if changed:
            names = ", ".join(str(f.relative_to(REPO)) for f in changed)
            print(f"error: {names} out of date; run python scripts/readme_examples.py",
                  file=sys.stderr)  # fmt: skip
            raise SystemExit(1)
        print(f"{len(DOCUMENTS)} files are up to date")
        return
    for f in DOCUMENTS:
        if new[f] != texts[f]:
            f.write_text(new[f], encoding="utf-8")
    print(f"rewrote {len(blocks)} examples and the saved queries in {len(DOCUMENTS)} files")


if __name__ == "__main__":
    main()
