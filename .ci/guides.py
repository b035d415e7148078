#!/usr/bin/env python3
"""Runs README.md and every guide under docs/ as a reader copies them, and compares the answers.

    python3 .ci/guides.py --bin target/debug/partner-center-emulator --backend sqlite
    python3 .ci/guides.py --bin ... --backend postgres --database-url postgres://postgres@127.0.0.1:5432/db
    python3 .ci/guides.py --self-test

What it does, per backend:

- One emulator for the whole run, started as `cargo run --release` would start it (no flags; the
  backend's DATABASE_URL for PostgreSQL, the default SQLite file in a scratch folder otherwise), on
  a free port. Documents run in the order README.md's table of contents lists them, README first,
  each in a new shell (`set -euo pipefail`, an empty environment but PATH and HOME), so that a
  variable one guide forgot to declare fails, and nothing leaks from one guide into the next.
- Every ```sh block runs as written, in order, in that document's shell. Two rewrites only:
  the addresses 127.0.0.1:8080 / localhost:8080 and :8443 become this run's free ports (in the
  commands and in the answers shown), and a line that starts the emulator (`cargo run --release
  [-- FLAGS]`, with any VAR=value before it) stops the runner's emulator and starts it again with
  those flags and variables, on the same database, as a reader who stops it and starts it again
  would.
- The fenced block right after a ```sh block (only blank lines between), ```json, ```text or
  ```http, is the answer the guide shows for it: the block's whole standard output must match it
  (see `matches`). A block that prints something the guide does not show fails; so does a shown
  answer that does not come back.
- Blocks that are not run say so: ```sh ci-run (the runner checks that .ci/run runs each of its
  lines verbatim), ```sh not-run, ```powershell and ```csharp (the document must say why before
  the block: "CI does not run …"). ```bash, ```shell, ```console and fences without a language are refused:
  a reader would paste them and nothing would check them.
- Rules of a runnable guide, checked: its first ```sh block resets the emulator
  (`/_emulator/reset`), no command holds a placeholder (`…`, `<tenant id>`), and when it ends the
  emulator clock runs in real time, the service date is not pinned and no fault rule is left.

How answers are compared: the shown block and the output are read as a sequence of JSON values
and text lines. JSON values compare by shape: the same keys (an object with a bare `…` member, or
`"…": "…"`, allows more), the same types, and the same literal values, except that GUIDs and
timestamps match any GUID and any timestamp, and `…` inside a string matches any characters (a
bare `…` value matches any value; a bare `…` array element, any further elements). Text lines
compare the same way (status lines, headers, `200 text/html`); a line that is only `…` matches any
number of lines or values.
"""
import argparse
import calendar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ELLIPSIS = "…"
OUTPUT_INFOS = {"json", "text", "http"}
REASON_INFOS = {"sh not-run", "powershell", "csharp"}
REFUSED_INFOS = {"", "bash", "shell", "console", "zsh", "sh-session"}
GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
TIMESTAMP = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"
START_LINE = re.compile(r"^(?P<env>(?:[A-Z_][A-Z0-9_]*=\S*\s+)*)cargo run(?: --release)?(?:\s+--\s+(?P<args>.*))?\s*$")
PLACEHOLDER = re.compile(r"<[A-Za-z][A-Za-z _-]*>")


class Failure(Exception):
    pass


# ------------------------------------------------------------------------------------------------
# Markdown: the fenced blocks of a document.
# ------------------------------------------------------------------------------------------------
class Block:
    def __init__(self, info, lines, line_no, before):
        self.info = info
        self.text = "\n".join(lines)
        self.line_no = line_no  # of the opening fence, 1-based
        self.before = before  # the prose between the previous block and this one
        self.output = None  # the block that shows this one's answer


def read_blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i, prose, blank_only = [], 0, [], True
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^(\s*)(`{3,})(.*)$", line)
        if not fence:
            prose.append(line)
            if line.strip():
                blank_only = False
            i += 1
            continue
        indent, ticks, info = fence.group(1), fence.group(2), fence.group(3).strip()
        start, body = i + 1, []
        i += 1
        while i < len(lines) and not re.match(r"^\s*" + ticks + r"\s*$", lines[i]):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
            i += 1
        if i == len(lines):
            raise Failure(f"{rel(path)}:{start}: a fence that is never closed")
        i += 1
        block = Block(info, body, start, "\n".join(prose))
        block.earlier = "\n".join(lines[: start - 1])
        previous = blocks[-1] if blocks else None
        if previous and previous.info == "sh" and blank_only and info in OUTPUT_INFOS and previous.output is None:
            previous.output = block
            block.is_output = True
        else:
            block.is_output = False
        blocks.append(block)
        prose, blank_only = [], True
    return blocks


def rel(path):
    return os.path.relpath(path, ROOT)


def documents():
    """README.md, then the guides in the order README's links name them; every guide must be linked."""
    readme = os.path.join(ROOT, "README.md")
    order = []
    for target in re.findall(r"\]\((docs/[A-Za-z0-9_./-]+\.md)(?:#[^)]*)?\)", open(readme, encoding="utf-8").read()):
        if target not in order:
            order.append(target)
    present = sorted("docs/" + f for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    unlinked = [d for d in present if d not in order]
    if unlinked:
        raise Failure(f"README.md does not link these guides: {', '.join(unlinked)}")
    missing = [d for d in order if not os.path.exists(os.path.join(ROOT, d))]
    if missing:
        raise Failure(f"README.md links guides that do not exist: {', '.join(missing)}")
    return [readme] + [os.path.join(ROOT, d) for d in order]


def check_fences(path, blocks):
    ci_run = open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8").read().split("\n")
    for b in blocks:
        where = f"{rel(path)}:{b.line_no}"
        if b.info in REFUSED_INFOS:
            raise Failure(f"{where}: a ```{b.info} block: use ```sh (run by CI), ```sh not-run with the reason, or the language of the code")
        if b.info.startswith("sh") and b.info not in ("sh", "sh not-run", "sh ci-run"):
            raise Failure(f"{where}: unknown fence ```{b.info}")
        if b.info in REASON_INFOS and not re.search(r"CI does not run|not run in CI", b.earlier, re.I):
            raise Failure(f"{where}: a ```{b.info} block needs the reason CI does not run it, said before it")
        if b.info == "sh ci-run":
            for line in b.text.split("\n"):
                if line.strip() and not line.lstrip().startswith("#") and not any(line.strip() == l.strip() for l in ci_run):
                    raise Failure(f"{where}: ```sh ci-run says .ci/run runs `{line.strip()}`, and it does not")
        if b.info == "sh":
            for n, line in enumerate(b.text.split("\n"), b.line_no + 1):
                code = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
                if ELLIPSIS in code or PLACEHOLDER.search(code):
                    raise Failure(f"{rel(path)}:{n}: a placeholder in a command to paste: {line.strip()}")


# ------------------------------------------------------------------------------------------------
# Comparing a shown answer with the output.
# ------------------------------------------------------------------------------------------------
class Any_:
    def __repr__(self):
        return "…"


ANY = Any_()
REST = object()  # a bare … in an array: any further elements
MORE = "\0more"  # a bare … member of an object: any further keys


class ShownJson:
    """JSON as a guide shows it: JSON, plus bare `…` as a value, an object member or array element."""

    def __init__(self, text):
        self.s, self.i = text, 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\r\n":
            self.i += 1

    def value(self):
        self.ws()
        s, i = self.s, self.i
        if s.startswith(ELLIPSIS, i):
            self.i += len(ELLIPSIS)
            return ANY
        c = s[i] if i < len(s) else ""
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c == '"':
            return self.string()
        m = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null").match(s, i)
        if not m:
            raise ValueError(f"not JSON at {s[i:i + 30]!r}")
        self.i = m.end()
        return json.loads(m.group(0))

    def string(self):
        dec = json.JSONDecoder()
        v, end = dec.raw_decode(self.s, self.i)
        self.i = end
        return v

    def obj(self):
        self.i += 1
        out = {}
        while True:
            self.ws()
            if self.s.startswith("}", self.i):
                self.i += 1
                return out
            if self.s.startswith(ELLIPSIS, self.i):
                self.i += len(ELLIPSIS)
                out[MORE] = True
            else:
                key = self.string()
                self.ws()
                if not self.s.startswith(":", self.i):
                    raise ValueError("expected ':'")
                self.i += 1
                v = self.value()
                if key == ELLIPSIS:
                    out[MORE] = True
                else:
                    out[key] = v
            self.ws()
            if self.s.startswith(",", self.i):
                self.i += 1

    def arr(self):
        self.i += 1
        out = []
        while True:
            self.ws()
            if self.s.startswith("]", self.i):
                self.i += 1
                return out
            if self.s.startswith(ELLIPSIS, self.i):
                j = self.i + len(ELLIPSIS)
                # `…` alone (up to , or ]) is "any further elements"; `…two customers…` too.
                k = j
                while k < len(self.s) and self.s[k] not in ",]":
                    k += 1
                self.i = k
                out.append(REST)
            else:
                out.append(self.value())
            self.ws()
            if self.s.startswith(",", self.i):
                self.i += 1


def items(text, shown):
    """The JSON values and text lines of an output (or of a shown answer)."""
    out, i = [], 0
    text = text.replace("\r\n", "\n")
    dec = json.JSONDecoder()
    while i < len(text):
        while i < len(text) and text[i] in " \t\n\r":
            i += 1
        if i >= len(text):
            break
        if text[i] in "{[":
            try:
                if shown:
                    p = ShownJson(text)
                    p.i = i
                    v = p.value()
                    i = p.i
                else:
                    v, i = dec.raw_decode(text, i)
                out.append(("json", v))
                continue
            except ValueError:
                pass
        end = text.find("\n", i)
        end = len(text) if end < 0 else end
        out.append(("text", text[i:end].rstrip()))
        i = end
    return out


def string_pattern(shown):
    parts = re.split(f"({ELLIPSIS}|{GUID}|{TIMESTAMP})", shown)
    out = []
    for p in parts:
        if p == ELLIPSIS:
            out.append(".*")
        elif re.fullmatch(GUID, p):
            out.append(GUID)
        elif re.fullmatch(TIMESTAMP, p):
            out.append(TIMESTAMP)
        else:
            out.append(re.escape(p))
    return re.compile("".join(out), re.S)


def same(shown, got, path="$"):
    """None when `got` has the shape and values `shown` shows, else where and how it differs."""
    if shown is ANY:
        return None
    if isinstance(shown, dict):
        if not isinstance(got, dict):
            return f"{path}: an object was shown, {json.dumps(got)[:80]} came"
        for k, v in shown.items():
            if k == MORE:
                continue
            if k not in got:
                return f"{path}: no member {k!r}"
            d = same(v, got[k], f"{path}.{k}")
            if d:
                return d
        if MORE not in shown:
            extra = [k for k in got if k not in shown]
            if extra:
                return f"{path}: members not shown: {', '.join(extra)}"
        return None
    if isinstance(shown, list):
        if not isinstance(got, list):
            return f"{path}: an array was shown, {json.dumps(got)[:80]} came"
        if REST in shown:
            head = shown[: shown.index(REST)]
            if len(got) < len(head):
                return f"{path}: {len(got)} elements, at least {len(head)} shown"
        else:
            head = shown
            if len(got) != len(head):
                return f"{path}: {len(got)} elements, {len(head)} shown"
        for n, v in enumerate(head):
            d = same(v, got[n], f"{path}[{n}]")
            if d:
                return d
        return None
    if isinstance(shown, str):
        if not isinstance(got, str):
            return f"{path}: a string was shown, {json.dumps(got)[:80]} came"
        if shown != got and not string_pattern(shown).fullmatch(got):
            return f"{path}: {got!r} came, {shown!r} was shown"
        return None
    if isinstance(shown, bool) or shown is None:
        return None if got is shown else f"{path}: {json.dumps(got)[:80]} came, {json.dumps(shown)} was shown"
    if isinstance(shown, (int, float)):
        if isinstance(got, bool) or not isinstance(got, (int, float)) or got != shown:
            return f"{path}: {json.dumps(got)[:80]} came, {shown} was shown"
        return None
    return f"{path}: cannot compare {shown!r}"


def item_differs(s, g):
    if s[0] == "text" and g[0] == "text":
        if s[1] == g[1] or string_pattern(s[1]).fullmatch(g[1]):
            return None
        return f"the line {g[1]!r} came, {s[1]!r} was shown"
    if s[0] == "json" and g[0] == "json":
        return same(s[1], g[1])
    shown = s[1] if s[0] == "text" else json.dumps(s[1], default=repr)[:80]
    came = g[1] if g[0] == "text" else json.dumps(g[1])[:80]
    return f"{came!r} came where {shown!r} was shown"


def matches(shown_text, output):
    """None when the output is the answer shown, else why not."""
    shown, got = items(shown_text, True), items(output, False)
    best = [None]

    def walk(i, j):
        if i == len(shown):
            return j == len(got) or _note(best, f"more came than was shown: {describe(got[j])}")
        if shown[i] == ("text", ELLIPSIS):
            return any(walk(i + 1, k) for k in range(j, len(got) + 1))
        if j == len(got):
            return _note(best, f"the answer ended where {describe(shown[i])} was shown")
        d = item_differs(shown[i], got[j])
        if d:
            return _note(best, d)
        return walk(i + 1, j + 1)

    return None if walk(0, 0) else best[0]


def _note(best, why):
    if best[0] is None:
        best[0] = why
    return False


def describe(item):
    return repr(item[1]) if item[0] == "text" else json.dumps(item[1], default=repr)[:100]


# ------------------------------------------------------------------------------------------------
# Running a document.
# ------------------------------------------------------------------------------------------------
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Emulator:
    def __init__(self, binary, home, port, tls_port, database_url):
        self.binary, self.home, self.port, self.tls_port = binary, home, port, tls_port
        self.database_url = database_url
        self.process = None
        self.log = open(os.path.join(home, "emulator.log"), "a")

    def start(self, env_assignments=(), args=()):
        self.stop()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "RUST_LOG": "warn"}
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        for a in env_assignments:
            k, v = a.split("=", 1)
            env[k] = v
        args = list(args)
        if "--listen" not in args:
            args = ["--listen", f"127.0.0.1:{self.port}"] + args
        self.log.write(f"\n--- guides: start {' '.join(env_assignments)} {' '.join(args)}\n")
        self.log.flush()
        self.process = subprocess.Popen([self.binary] + args, cwd=self.home, env=env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise Failure(f"the emulator exited with {self.process.returncode} at its start ({' '.join(args)}); see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_emulator/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise Failure("the emulator was not ready within 60 s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return json.loads(r.read())

    def tail(self, n=30):
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-n:])


def rewrite_ports(text, port, tls_port):
    for host in ("127.0.0.1", "localhost"):
        text = text.replace(f"{host}:8080", f"{host}:{port}").replace(f"{host}:8443", f"{host}:{tls_port}")
    return text


def run_document(path, emulator, scratch):
    blocks = read_blocks(path)
    check_fences(path, blocks)
    runnable = [b for b in blocks if b.info == "sh"]
    if not runnable:
        return 0, 0
    first_call = next((b for b in runnable if "curl" in b.text), None)
    if first_call and "/_emulator/reset" not in first_call.text.split("curl", 1)[1].split("\n", 1)[0]:
        raise Failure(f"{rel(path)}:{first_call.line_no}: the guide's first call must start from a clean state (POST /_emulator/reset)")
    work = os.path.join(scratch, re.sub(r"\W", "-", rel(path)))
    os.makedirs(work)
    os.symlink(os.path.join(ROOT, "seeds"), os.path.join(work, "seeds"))
    out_dir = os.path.join(work, ".out")
    os.makedirs(out_dir)
    fifo_dir = work
    script = ["set -euo pipefail", f"cd {sh_quote(work)}"]
    for n, b in enumerate(runnable):
        text = rewrite_ports(b.text, emulator.port, emulator.tls_port)
        body = []
        for line in text.split("\n"):
            m = START_LINE.match(line.strip())
            if m:
                # Ask the runner to start the emulator again with these flags, and wait for it.
                request = json.dumps({"env": m.group("env").split(), "args": m.group("args") or ""})
                body.append(f"printf '%s\\n' {sh_quote(request)} >{sh_quote(fifo_dir)}/.start-request")
                body.append(f"while [ ! -e {sh_quote(fifo_dir)}/.start-done ]; do sleep 0.1; done; rm -f {sh_quote(fifo_dir)}/.start-done")
                body.append(f"[ ! -e {sh_quote(fifo_dir)}/.start-failed ]")
            else:
                body.append(line)
        script.append(f"echo {n} >{sh_quote(out_dir)}/current")
        script.append("{")
        script.extend(body)
        script.append(f"}} >{sh_quote(out_dir)}/{n}.out 2>{sh_quote(out_dir)}/{n}.err")
    script.append(f"echo done >{sh_quote(out_dir)}/current")
    script_path = os.path.join(work, ".guide.sh")
    open(script_path, "w").write("\n".join(script) + "\n")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "LANG": "C.UTF-8", "TERM": "dumb"}
    shell = subprocess.Popen(["bash", "--noprofile", "--norc", script_path], cwd=work, env=env,
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(out_dir, "shell.err"), "w"))
    deadline = time.time() + 300
    while shell.poll() is None:
        request = os.path.join(fifo_dir, ".start-request")
        if os.path.exists(request):
            time.sleep(0.05)
            wanted = json.loads(open(request).read())
            os.remove(request)
            try:
                emulator.start(wanted["env"], split_args(wanted["args"]))
            except Failure as e:
                open(os.path.join(fifo_dir, ".start-failed"), "w").write(str(e))
                print(f"guides: {e}", file=sys.stderr)
            open(os.path.join(fifo_dir, ".start-done"), "w").close()
        if time.time() > deadline:
            shell.kill()
            raise Failure(f"{rel(path)}: still running after 300 s")
        time.sleep(0.05)
    current = open(os.path.join(out_dir, "current")).read().strip()
    if shell.returncode != 0 or current != "done":
        n = int(current) if current.isdigit() else 0
        b = runnable[n]
        err = read(os.path.join(out_dir, f"{n}.err")) + read(os.path.join(out_dir, "shell.err"))
        raise Failure(
            f"{rel(path)}:{b.line_no}: a command failed (exit {shell.returncode})\n--- the block\n{b.text}\n"
            f"--- its output\n{read(os.path.join(out_dir, f'{n}.out'))[:3000]}\n--- its errors\n{err[:3000]}\n"
            f"--- the emulator's log\n{emulator.tail()}"
        )
    compared = 0
    for n, b in enumerate(runnable):
        output = read(os.path.join(out_dir, f"{n}.out"))
        where = f"{rel(path)}:{b.line_no}"
        if b.output is None:
            if output.strip():
                raise Failure(f"{where}: the block prints an answer the guide does not show:\n{output[:2000]}")
            continue
        shown = rewrite_ports(b.output.text, emulator.port, emulator.tls_port)
        why = matches(shown, output)
        if why:
            raise Failure(
                f"{where}: the answer shown at line {b.output.line_no} did not come back: {why}\n--- the block\n{b.text}\n"
                f"--- shown\n{b.output.text}\n--- came\n{output[:4000]}"
            )
        compared += 1
    check_undone(path, emulator)
    return len(runnable), compared


def check_undone(path, emulator):
    clock = emulator.get("/_emulator/clock")
    now = time.time()
    emulated = calendar.timegm(time.strptime(clock["now"][:19], "%Y-%m-%dT%H:%M:%S"))
    if clock["frozen"] or abs(emulated - now) > 60:
        raise Failure(f"{rel(path)}: the guide leaves the emulator clock changed ({clock}): end by undoing it")
    date = emulator.get("/_emulator/service-date")
    if date["pinned"] or date["source"] == "controlPlane":
        raise Failure(f"{rel(path)}: the guide leaves the service date pinned ({date['serviceDate']}): end by undoing it")
    faults = emulator.get("/_emulator/faults")
    if faults["totalCount"]:
        raise Failure(f"{rel(path)}: the guide leaves {faults['totalCount']} fault rule(s): end by deleting them")


def split_args(args):
    import shlex
    return shlex.split(args)


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def read(path):
    try:
        return open(path, encoding="utf-8", errors="replace").read()
    except FileNotFoundError:
        return ""


# ------------------------------------------------------------------------------------------------
def self_test():
    """The comparison must fail when a shown answer does not come back."""
    ok = [
        ('{"a":1,"b":"x"}', '{"b":"x","a":1}'),
        ('{"id":"93fe62a0-fa05-48f6-b0df-1b8d628cbd62"}', '{"id":"0b41d385-1111-4222-8333-944455556666"}'),
        ('{"at":"2026-12-02T16:59:48.214Z","m":"…"}', '{"at":"2027-01-01T00:00:00.000Z","m":"anything"}'),
        ('{"a":1,…}', '{"a":1,"b":2}'),
        ('{"a":1,"…":"…"}', '{"a":1,"b":2}'),
        ('{"items":[{"x":1},…],"n":…}', '{"items":[{"x":1},{"x":2}],"n":[1]}'),
        ('{"u":"http://h/x?id=93fe62a0-fa05-48f6-b0df-1b8d628cbd62&l=en"}', '{"u":"http://h/x?id=0b41d385-1111-4222-8333-944455556666&l=en"}'),
        ('HTTP/1.1 401 Unauthorized\n…\n{"code":900421}', 'HTTP/1.1 401 Unauthorized\r\nx: y\r\nz: w\r\n\r\n{"code":900421}'),
        ('200 text/html; charset=utf-8', '200 text/html; charset=utf-8\n'),
        ('{"a":1}\n{"b":2}', '{"a":1}{"b":2}'),
        ('{"token":"eyJ…"}', '{"token":"eyJhbGciOi"}'),
    ]
    bad = [
        ('{"a":1}', '{"a":2}'),
        ('{"a":1}', '{"a":1,"b":2}'),
        ('{"a":1,"b":2}', '{"a":1}'),
        ('{"a":"x"}', '{"a":1}'),
        ('{"code":990441}', '{"code":990442}'),
        ('{"status":"pending"}', '{"status":"accepted"}'),
        ('HTTP/1.1 401 Unauthorized\n…', 'HTTP/1.1 200 OK\nx: y'),
        ('{"a":[1,2]}', '{"a":[1]}'),
        ('{"a":1}', ''),
        ('{"a":1}', '{"a":1}\n{"b":2}'),
        ('{"id":"93fe62a0-fa05-48f6-b0df-1b8d628cbd62"}', '{"id":"not a guid"}'),
        ('{"totalCount":1}', '{"totalCount":"1"}'),
        ('{"isSigned":false}', '{"isSigned":null}'),
    ]
    failures = []
    for shown, got in ok:
        why = matches(shown, got)
        if why:
            failures.append(f"should match: {shown!r} / {got!r}: {why}")
    for shown, got in bad:
        if matches(shown, got) is None:
            failures.append(f"should not match: {shown!r} / {got!r}")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"guides: the comparison: {len(ok)} answers matched, {len(bad)} differing answers refused")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin")
    p.add_argument("--backend", choices=["sqlite", "postgres"])
    p.add_argument("--database-url")
    p.add_argument("--only", help="run only this document (after README.md's checks)")
    p.add_argument("--self-test", action="store_true")
    a = p.parse_args()
    if a.self_test:
        self_test()
        return
    scratch = tempfile.mkdtemp(prefix=f"pce-guides-{a.backend}-")
    home = os.path.join(scratch, "emulator")
    os.makedirs(home)
    os.symlink(os.path.join(ROOT, "seeds"), os.path.join(home, "seeds"))
    emulator = Emulator(os.path.abspath(a.bin), home, free_port(), free_port(), a.database_url)
    started = time.time()
    try:
        docs = documents()
        if a.only:
            docs = [d for d in docs if rel(d) == a.only]
        emulator.start()
        total_blocks = total_answers = 0
        for doc in docs:
            t = time.time()
            blocks, answers = run_document(doc, emulator, scratch)
            total_blocks += blocks
            total_answers += answers
            print(f"guides ({a.backend}): {rel(doc)}: {blocks} blocks run, {answers} answers compared ({time.time() - t:.1f} s)")
        print(f"guides ({a.backend}): {len(docs)} documents, {total_blocks} blocks, {total_answers} answers as shown, in {time.time() - started:.0f} s")
    except Failure as e:
        print(f"guides ({a.backend}): FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    finally:
        emulator.stop()
        if os.environ.get("GUIDES_KEEP"):
            print(f"guides: kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
