#!/usr/bin/env python3
"""The benchmark's arithmetic, kept out of bench/run's shell.

  report.py report DIR                 markdown report of DIR/{meta,results,startup}.tsv
  report.py pgbench-latency LOG...     "p50 p99" in ms from pgbench -l transaction logs

Every figure is the median of its repeats; peak RSS is the highest of them; errors are summed.
Targets are issues 6's and 14's, each judged on figures from this one run, most as a ratio to a
reference point measured beside it.
"""

import statistics
import sys
from collections import defaultdict
from pathlib import Path

OPERATIONS = {
    "catalog": "`GET /v1/agreements?agreementType=*`",
    "read": "`GET /v1/customers/{id}/agreements?agreementType=*`",
    "write": "`POST /v1/customers/{id}/agreements`",
    "mixed": "mixed: 80% read, 20% write",
    "attest": "`POST /v1/attestations/enhanced` (App-only)",
    "attested": "`POST /v1/customers/{id}/agreements` with `attestationId` (App-only)",
    "insert": "prepared single-row `INSERT` (agreements)",
    "select": "prepared indexed `SELECT` (one customer's agreements)",
    "page": "dashboard `/dashboard/customers` (first page, signed in)",
    "page-deep": "dashboard, the page half way down (`?after=`)",
    "page-search": "dashboard search finding one customer (`?q=`)",
    "list": "`GET /v1/customers?size=20` (first page)",
    "list-deep": "`GET /v1/customers?size=20`, token half way down",
    "list-few": "`GET /v1/customers?size=20` of a partner with 5 customers among the others",
}
# The list scale run: the p50 at the largest number of customers against the smallest, per page.
LIST_OPERATIONS = ("page", "page-deep", "page-search", "list", "list-deep", "list-few")
SUBJECTS = {
    "emulator-sqlite": "emulator, SQLite",
    "emulator-postgres": "emulator, PostgreSQL",
    "floor": "axum floor (`tools/bench_floor.rs`)",
    "prism": "Prism",
    "pgbench": "pgbench",
    "sqlite-floor": "SQLite, 1 writer (`bench/sqlite_floor.py`)",
}
MB = 1_000_000


def percentile(sorted_values, p):
    """Nearest rank."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def pgbench_latency(paths):
    # pgbench -l: "client transaction latency_us script epoch epoch_us" per transaction.
    values = sorted(int(line.split()[2]) / 1000 for p in paths for line in open(p) if line.strip())
    print(f"{percentile(values, 50):.3f} {percentile(values, 99):.3f}")


class Figure:
    def __init__(self, runs):
        self.runs = len(runs)
        self.rps = statistics.median(r["rps"] for r in runs)
        self.p50 = statistics.median(r["p50"] for r in runs)
        self.p99 = statistics.median(r["p99"] for r in runs)
        self.errors = sum(r["errors"] for r in runs)
        self.peak_mb = max(r["kib"] for r in runs) * 1024 / MB
        self.cpu_us = statistics.median(r["cpu_us"] for r in runs)


def load_results(path):
    groups = defaultdict(list)
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        subject, op, conns, size, _repeat, rps, p50, p99, errors, kib, cpu_us = line.split("\t")
        run = {"rps": float(rps), "p50": float(p50), "p99": float(p99), "errors": int(errors), "kib": int(kib),
               "cpu_us": int(cpu_us)}
        groups[(subject, op, int(conns), size)].append(run)
    return {key: Figure(runs) for key, runs in groups.items()}


def load_startup(path):
    starts = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        subject, mode, text = line.split("\t")
        fields = dict(kv.split("=") for kv in text.split()[1:])
        starts[(subject, mode)] = {k: float(v) for k, v in fields.items()}
    return starts


def num(x, digits=0):
    return f"{x:,.{digits}f}".replace(",", " ")


def table(headers, rows, align):
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def at_least(measured, goal):
    if measured >= goal:
        return f"**pass** ({num((measured / goal - 1) * 100)}% above)"
    return f"**miss** by {num((1 - measured / goal) * 100)}% (at {measured / goal:.2f} of the goal)"


def at_most(measured, goal, unit):
    if measured < goal:
        return f"**pass** ({num(goal - measured, 1)} {unit} to spare)"
    return f"**miss** by {num(measured - goal, 1)} {unit} (+{num((measured / goal - 1) * 100)}%)"


def report(directory):
    meta = dict(line.split("\t", 1) for line in (directory / "meta.tsv").read_text().splitlines() if "\t" in line)
    figures = load_results(directory / "results.tsv")
    starts = load_startup(directory / "startup.tsv")

    def fig(subject, op, conns, size=None):
        for (s, o, c, z), f in figures.items():
            if s == subject and o == op and c == conns and (size is None or z == size):
                return f
        return None

    print("## Run\n")
    print(table(["", ""], [[k, v] for k, v in meta.items()], ["---", "---"]))

    def load_table(title, subjects):
        rows = []
        for (subject, op, conns, _size), f in sorted(
            ((k, f) for k, f in figures.items() if k[0] in subjects),
            key=lambda kf: (list(SUBJECTS).index(kf[0][0]), list(OPERATIONS).index(kf[0][1]), kf[0][2]),
        ):
            server = subject in ("emulator-sqlite", "emulator-postgres", "floor", "prism")
            rows.append([SUBJECTS[subject], OPERATIONS[op], conns, num(f.rps), num(f.p50, 2), num(f.p99, 2), f.errors,
                         num(f.peak_mb, 1) if server else "—", num(f.cpu_us) if server else "—"])
        print(f"\n## {title}\n")
        print(table(["server", "operation", "conns", "req/s", "p50 ms", "p99 ms", "errors", "peak RSS MB",
                     "CPU µs/req"], rows, ["---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]))

    load_table("Emulator", ("emulator-sqlite", "emulator-postgres"))
    load_table("Reference points", ("floor", "prism", "pgbench", "sqlite-floor"))

    print("\n## Scale: latency against stored agreements\n")
    rows = []
    scale = defaultdict(dict)
    for (subject, op, conns, size), f in figures.items():
        if subject.startswith("scale-"):
            scale[(subject, conns, int(size))][op] = f
    for (subject, conns, size), ops in sorted(scale.items()):
        read, write = ops.get("read"), ops.get("write")
        rows.append([
            SUBJECTS["emulator-" + subject.split("-", 1)[1]], conns, num(size),
            *(("—",) * 3 if read is None else (num(read.rps), num(read.p50, 2), num(read.p99, 2))),
            *(("—",) * 3 if write is None else (num(write.rps), num(write.p50, 2), num(write.p99, 2))),
            sum(f.errors for f in ops.values()),
        ])
    print(table(["server", "conns", "stored agreements", "read req/s", "read p50 ms", "read p99 ms",
                 "write req/s", "write p50 ms", "write p99 ms", "errors"], rows,
                ["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]))

    print("\n## Lists at scale: one partner's customers\n")
    lists = defaultdict(dict)
    for (subject, op, conns, size), f in figures.items():
        if subject.startswith("lists-"):
            lists[(subject, op, conns)][int(size)] = f
    rows = []
    for (subject, op, conns), by_size in sorted(lists.items(), key=lambda kv: (kv[0][0], LIST_OPERATIONS.index(kv[0][1]))):
        for size, f in sorted(by_size.items()):
            rows.append([SUBJECTS["emulator-" + subject.split("-", 1)[1]], OPERATIONS[op], conns, num(size), num(f.rps),
                         num(f.p50, 2), num(f.p99, 2), f.errors])
    print(table(["server", "page", "conns", "customers", "req/s", "p50 ms", "p99 ms", "errors"], rows,
                ["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"]))

    print("\n## Start-up: process start to the first 200 from `/_emulator/ready`\n")
    rows = [[SUBJECTS.get(s, s), mode, num(v["median_ms"], 1), num(v["min_ms"], 1), num(v["max_ms"], 1), int(v["runs"])]
            for (s, mode), v in starts.items()]
    print(table(["server", "database", "median ms", "min ms", "max ms", "starts"], rows,
                ["---", "---", "---:", "---:", "---:", "---:"]))

    print("\n## Targets\n")
    rows = []
    conns_list = sorted({c for (s, _o, c, _z) in figures if s.startswith("emulator-")})
    top = max(conns_list) if conns_list else 64

    def target(name, measured_text, goal_text, verdict):
        rows.append([name, measured_text, goal_text, verdict])

    missing = "not measured"
    for backend in ("sqlite", "postgres"):
        emu, floor = fig(f"emulator-{backend}", "catalog", top), fig("floor", "catalog", top)
        label = SUBJECTS[f"emulator-{backend}"]
        if emu and floor:
            r = emu.rps / floor.rps
            target(f"`GET /v1/agreements` vs axum floor, {top} conns ({label})",
                   f"{num(emu.rps)} / {num(floor.rps)} = ×{r:.2f}", "≥ ×0.8", at_least(r, 0.8))
        for conns in conns_list:
            emu, prism = fig(f"emulator-{backend}", "catalog", conns), fig("prism", "catalog", conns)
            if emu and prism:
                r = emu.rps / prism.rps
                target(f"`GET /v1/agreements` vs Prism, {conns} conns ({label})",
                       f"{num(emu.rps)} / {num(prism.rps)} = ×{r:.1f}", "≥ ×20", at_least(r, 20))
            elif emu:
                target(f"`GET /v1/agreements` vs Prism, {conns} conns ({label})", missing, "≥ ×20", "Prism not run")
    for conns in conns_list:
        emu, pgb = fig("emulator-postgres", "write", conns), fig("pgbench", "insert", conns)
        if emu and pgb:
            r = emu.rps / pgb.rps
            target(f"`POST` on PostgreSQL vs pgbench insert, {conns} conns",
                   f"{num(emu.rps)} / {num(pgb.rps)} = ×{r:.2f}", "≥ ×0.7", at_least(r, 0.7))
    emu = fig("emulator-postgres", "write", 64)
    if emu:
        target("`POST` on PostgreSQL, p99 at 64 conns", f"{num(emu.p99, 2)} ms", "< 20 ms", at_most(emu.p99, 20, "ms"))
    for conns in conns_list:
        emu, floor = fig("emulator-sqlite", "write", conns), fig("sqlite-floor", "insert", 1)
        if emu and floor:
            r = emu.rps / floor.rps
            target(f"`POST` on SQLite (durable commits) vs one writer's durable commits, {conns} conns",
                   f"{num(emu.rps)} / {num(floor.rps)} = ×{r:.2f}", "≥ ×0.5", at_least(r, 0.5))
    for conns in conns_list:
        emu, pgb = fig("emulator-postgres", "read", conns), fig("pgbench", "select", conns)
        if emu and pgb:
            r = emu.rps / pgb.rps
            target(f"read on PostgreSQL vs pgbench select, {conns} conns",
                   f"{num(emu.rps)} / {num(pgb.rps)} = ×{r:.2f}", "≥ ×0.5", at_least(r, 0.5))
    for backend in ("postgres", "sqlite"):
        sizes = sorted(size for (s, c, size), ops in scale.items() if s == f"scale-{backend}" and "read" in ops)
        if len(sizes) >= 2:
            small = next(ops["read"] for (s, c, z), ops in scale.items() if s == f"scale-{backend}" and z == sizes[0])
            large = next(ops["read"] for (s, c, z), ops in scale.items() if s == f"scale-{backend}" and z == sizes[-1])
            r = large.p50 / small.p50
            target(f"read p50 at {num(sizes[-1])} vs {num(sizes[0])} agreements ({SUBJECTS['emulator-' + backend]})",
                   f"{num(large.p50, 2)} / {num(small.p50, 2)} ms = ×{r:.2f}", "≤ ×1.5", at_most(r, 1.5, "×"))
    for (subject, op, conns), by_size in sorted(lists.items(), key=lambda kv: (kv[0][0], LIST_OPERATIONS.index(kv[0][1]))):
        if len(by_size) >= 2:
            sizes = sorted(by_size)
            small, large = by_size[sizes[0]], by_size[sizes[-1]]
            r = large.p50 / small.p50
            target(f"{OPERATIONS[op]} p50 at {num(sizes[-1])} vs {num(sizes[0])} customers "
                   f"({SUBJECTS['emulator-' + subject.split('-', 1)[1]]})",
                   f"{num(large.p50, 2)} / {num(small.p50, 2)} ms = ×{r:.2f}", "≤ ×1.5", at_most(r, 1.5, "×"))
    fresh = starts.get(("emulator-sqlite", "fresh-file"))
    if fresh:
        target("ready on SQLite from a fresh file (median)", f"{num(fresh['median_ms'], 1)} ms", "< 100 ms",
               at_most(fresh["median_ms"], 100, "ms"))
    for backend in ("sqlite", "postgres"):
        peaks = [f.peak_mb for (s, _o, c, _z), f in figures.items() if s == f"emulator-{backend}" and c == 64]
        if peaks:
            target(f"peak RSS at 64 conns ({SUBJECTS['emulator-' + backend]})", f"{num(max(peaks), 1)} MB", "< 32 MB",
                   at_most(max(peaks), 32, "MB"))
    emulator_errors = sum(f.errors for (s, *_), f in figures.items() if s.startswith(("emulator-", "scale-", "lists-")))
    emulator_runs = sum(f.runs for (s, *_), f in figures.items() if s.startswith(("emulator-", "scale-", "lists-")))
    target(f"errors in every emulator run ({emulator_runs} runs)", str(emulator_errors), "0",
           "**pass**" if emulator_errors == 0 else f"**miss**: {emulator_errors} errors")
    print(table(["target", "measured", "goal", "result"], rows, ["---", "---", "---", "---"]))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "report":
        report(Path(sys.argv[2]))
    elif len(sys.argv) >= 3 and sys.argv[1] == "pgbench-latency":
        pgbench_latency(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
