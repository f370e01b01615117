"""Regenerate every worked example in README.md from the real output on the demo corpus.

    .venv/bin/python scripts/readme_examples.py [--readme README.md] [--check]

Builds corpus/ into a temporary store (`kg build corpus/`, run from the repository root
with KG_STORE pointing at the temporary store, so corpus roots are recorded as in a normal
build), runs every documented command there and replaces the text between
`<!-- example:NAME -->` and `<!-- /example:NAME -->` in README.md with the fresh output.
The saved-queries section (`<!-- saved-queries:begin -->` ... `end`) is regenerated with
scripts/readme_saved_queries.py's `section()`. `make demo` is run for real in a scratch
copy of the checkout (corpus/ copied, .venv linked, the install stamp taken as up to date).
`kg serve` is started on a free 127.0.0.1 port and stopped at the end.

The output is real apart from these normalisations, which keep the README deterministic:
the scratch directory is shown as the repository root (it only appears in paths that
`kg viz` prints), the server's port is shown as 7878, trailing blanks are stripped, and a
few long outputs are cut (marked with `…`). Timings are kept as measured.

Any command that fails stops the script with one line on stderr and exit status 1; README.md
is then left as it was. `--check` writes nothing and exits 1 when README.md is out of date
in anything but timings.
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

# In the order they run; the build must come first, serve and saved queries last.
EXAMPLES = [
    Example(
        "build",
        [
            Cmd("kg build corpus/", cwd="repo"),
            Cmd("kg build corpus/          # nothing changed: nothing is parsed", cwd="repo"),
        ],
    ),
    Example("validate", [Cmd("kg validate")]),
    Example("stats", [Cmd("kg stats")]),
    Example(
        "query",
        [
            Cmd(f"kg query '{SUBSIDIARIES}'"),
            File("who.rq", WHO_RQ),
            Cmd("kg query who.rq"),
            Cmd(f"kg query '{SUBSIDIARIES} LIMIT 2' --format csv"),
            Cmd("kg query 'ASK { kge:SiCarrier kg:subsidiaryOf kge:Huawei }' --format json"),
        ],
    ),
    Example(
        "saved-cli",
        [
            Cmd("kg query --list"),
            Cmd("kg query --saved facts-about --param entity=ファーウェイ"),
            Cmd("kg query --saved ownership-chain --param entity=新凱来工業機器 --show"),
        ],
    ),
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
            Cmd("kg why SiCarrier suppliesTo Huawei"),
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
    Example("analyze", [Cmd("kg analyze")]),
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
    # `make -o STAMP`: never reinstall from the scratch checkout (it would point the venv there)
    Example(
        "make-demo",
        [
            Cmd(
                "make --no-print-directory -o .venv/.stamp-install demo",
                cwd="demo",
                show="make demo",
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
        """Normalise what is shown: scratch paths -> repository root, port -> 7878."""
        for d in (self.work, self.demo):
            text = text.replace(str(d), str(REPO))
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


def saved_queries(store_dir: Path) -> str:
    """The saved-queries section, as scripts/readme_saved_queries.py writes it."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from readme_saved_queries import section

    from kg import graph

    store = graph.open_store(str(store_dir), create=False)
    try:
        return section(store)
    finally:
        graph.close_store(str(store_dir))


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


def replace_blocks(text: str, blocks: dict[str, str], saved: str) -> str:
    for name, block in blocks.items():
        pattern = marker_pattern(name)
        if len(pattern.findall(text)) != 1:
            raise Failed(
                f"README.md: need exactly one <!-- example:{name} --> ... "
                f"<!-- /example:{name} --> pair"
            )
        text = pattern.sub(lambda m, b=block: f"{m.group(1)}\n{b}\n{m.group(2)}", text)
    unknown = set(re.findall(r"^<!-- example:([\w-]+) -->$", text, re.M)) - set(blocks)
    if unknown:
        raise Failed(f"README.md: no example named {', '.join(sorted(unknown))}")
    begin, end = "<!-- saved-queries:begin -->", "<!-- saved-queries:end -->"
    # whole lines only: the README's prose names the markers too
    pattern = re.compile(f"^{re.escape(begin)}$.*?^{re.escape(end)}$", re.DOTALL | re.M)
    if not pattern.search(text):
        raise Failed(f"README.md: no {begin} ... {end} markers")
    return pattern.sub(lambda _m: saved, text)


TIMING = re.compile(r"\d+(\.\d+)? s\b")


def sources_fingerprint() -> str:
    """A hash of everything the outputs depend on: kg/, ontology/, corpus/, the gold files."""
    h = hashlib.sha1()
    for top in ("kg", "ontology", "corpus", SEED):
        for f in sorted((REPO / top).rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def generate() -> tuple[dict[str, str], str]:
    if not (VENV_BIN / "kg").exists():
        raise Failed(f"no {VENV_BIN / 'kg'}: run `make demo` (or pip install -e .) first")
    before = sources_fingerprint()
    blocks, saved = run_all()
    if sources_fingerprint() != before:
        raise Failed(
            "kg/, ontology/, corpus/ or the seed gold changed while the examples ran,"
            " so they may disagree; README.md not written, run the script again"
        )
    return blocks, saved


def run_all() -> tuple[dict[str, str], str]:
    with tempfile.TemporaryDirectory(prefix="readme-examples-") as tmp:
        r = Runner(Path(tmp))
        r.prepare_demo()
        blocks: dict[str, str] = {}
        for ex in EXAMPLES:
            if ex.steps:
                blocks[ex.name] = r.block(ex)
            print(f"  {ex.name}", file=sys.stderr)
        blocks["serve"], blocks["serve-client"] = serve(r)
        blocks["gazetteer-entry"] = gazetteer_entry()
        saved = saved_queries(r.store)
    return blocks, saved


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readme", default=str(REPO / "README.md"))
    ap.add_argument(
        "--check",
        action="store_true",
        help="Write nothing; exit 1 if the README differs in more than timings.",
    )
    args = ap.parse_args()
    readme = Path(args.readme)
    try:
        text = readme.read_text(encoding="utf-8")
        blocks, saved = generate()
        new = replace_blocks(text, blocks, saved)
    except Failed as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)
        raise SystemExit(1) from None
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"error: {type(exc).__name__}: {' '.join(str(exc).split())}", file=sys.stderr)
        raise SystemExit(1) from None
    if args.check:
        if TIMING.sub("T s", new) != TIMING.sub("T s", text):
            print(
                f"error: {readme} is out of date; run python scripts/readme_examples.py",
                file=sys.stderr,
            )
            raise SystemExit(1)
        print(f"{readme} is up to date")
        return
    readme.write_text(new, encoding="utf-8")
    print(f"rewrote {len(blocks)} examples and the saved queries in {readme}")


if __name__ == "__main__":
    main()
