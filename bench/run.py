"""Benchmark harness for ccaudit (issue 5): throughput, growth, memory, start-up, determinism.

    python bench/run.py [--files 1,100,1000,10000] [--repeat 5] [--json FILE]

See bench/README.md for what each figure means and the bars it is held to.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import write_corpus

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schemas" / "manifest.schema.json"
CCAUDIT = [sys.executable, "-m", "ccaudit"]  # the source tree (cwd = REPO), not whatever is installed
# Children use cached bytecode, as an installed package would, even where the environment
# sets PYTHONDONTWRITEBYTECODE: the cache goes to the temporary folder, never the repository.
# (With a prefix set, Python reads bytecode only from there, so every command gets a warm-up.)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

# The reference: read every YAML file under a folder and compose it with libyaml, in one
# process. It prints its own read+compose time; the harness also times the whole process.
REFERENCE = r"""
import os, sys, time, yaml
t0 = time.perf_counter()
n = 0
for root, dirs, files in os.walk(sys.argv[1]):
    dirs.sort()
    for name in sorted(files):
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(root, name), encoding="utf-8") as f:
                text = f.read()
            try:
                for _ in yaml.compose_all(text, Loader=yaml.CSafeLoader):
                    n += 1
            except yaml.YAMLError:
                pass
print(time.perf_counter() - t0, n)
"""


@dataclass
class Run:
    seconds: float  # wall time of the whole child process, fork to reap
    maxrss_kib: int  # peak RSS of the child or any of its descendants
    stdout: str


def run_child(argv: list[str], ok: tuple[int, ...] = (0, 1)) -> Run:
    """Run one child and measure it alone.

    Memory: ``os.wait4`` returns the rusage of exactly this child, and Linux folds into it
    the rusage of the child's own reaped children, so ``ru_maxrss`` is the peak RSS of the
    largest process in this child's tree (the main process or a ``-j`` worker). That is per
    run, unlike ``getrusage(RUSAGE_CHILDREN)``, which is a running max over every child
    the harness ever reaped (and would mix the reference and ccaudit together).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=REPO, env=ENV, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        if code not in ok:
            sys.exit(f"{' '.join(argv)} exited {code}:\n{err.read().decode(errors='replace')[-3000:]}")
        return Run(seconds, usage.ru_maxrss, out.read().decode())


def spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def fmt(values: list[float], unit: float = 1.0, digits: int = 2) -> str:
    med, lo, hi = (v * unit for v in spread(values))
    return f"{med:.{digits}f} [{lo:.{digits}f}-{hi:.{digits}f}]"


@dataclass
class SizeResult:
    files: int
    ccaudit_s: list[float]
    reference_compose_s: list[float]  # read + compose inside the reference process
    reference_process_s: list[float]  # the whole reference process
    ratio: list[float]  # per pair: ccaudit process / reference compose
    ccaudit_maxrss_mib: float
    reference_maxrss_mib: float
    documents: int  # YAML documents the reference composed


def bench_size(folder: Path, files: int, repeat: int, jobs: list[str]) -> SizeResult:
    check = [*CCAUDIT, "check", "-f", "json", "-o", os.devnull, *jobs, str(folder)]
    reference = [sys.executable, "-c", REFERENCE, str(folder)]
    res = SizeResult(files, [], [], [], [], 0.0, 0.0, 0)
    for i in range(repeat):
        # Alternate, and swap the order each round so neither side always runs first.
        pair: dict[str, Run] = {}
        for name in (("ccaudit", "reference") if i % 2 == 0 else ("reference", "ccaudit")):
            pair[name] = run_child(check if name == "ccaudit" else reference, (0, 1) if name == "ccaudit" else (0,))
        compose_s, documents = pair["reference"].stdout.split()
        res.ccaudit_s.append(pair["ccaudit"].seconds)
        res.reference_compose_s.append(float(compose_s))
        res.reference_process_s.append(pair["reference"].seconds)
        res.ratio.append(pair["ccaudit"].seconds / float(compose_s))
        res.ccaudit_maxrss_mib = max(res.ccaudit_maxrss_mib, pair["ccaudit"].maxrss_kib / 1024)
        res.reference_maxrss_mib = max(res.reference_maxrss_mib, pair["reference"].maxrss_kib / 1024)
        res.documents = int(documents)
    return res


def bench_report(folder: Path, repeat: int, jobs: list[str]) -> dict[str, object]:
    """`ccaudit report -f json` against `ccaudit check -f json` on the same files (issue 12: bar <= 1.3)."""
    check = [*CCAUDIT, "check", "-f", "json", "-o", os.devnull, *jobs, str(folder)]
    report = [*CCAUDIT, "report", "-f", "json", "-o", os.devnull, *jobs, str(folder)]
    times: dict[str, list[float]] = {"check": [], "report": []}
    for i in range(repeat):
        for name in (("check", "report") if i % 2 == 0 else ("report", "check")):
            times[name].append(run_child(check if name == "check" else report).seconds)
    ratio = statistics.median(times["report"]) / statistics.median(times["check"])
    return {"check_s": times["check"], "report_s": times["report"], "ratio": ratio}


def check_jsonschema() -> list[str] | None:
    """The check-jsonschema command, installing it into this environment if missing."""
    try:
        import check_jsonschema  # noqa: F401
    except ImportError:
        print("check-jsonschema missing: pip install check-jsonschema ...", file=sys.stderr)
        done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "check-jsonschema"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if done.returncode != 0:
            return None
    script = Path(sys.executable).parent / "check-jsonschema"
    return [str(script)] if script.exists() else [sys.executable, "-m", "check_jsonschema"]


def bench_startup(file: Path, repeat: int) -> dict[str, object]:
    """One-file text run (the pre-commit case) against check-jsonschema on the same file."""
    other = check_jsonschema()
    ours: list[float] = []
    theirs: list[float] = []
    if other is not None:
        run_child([*other, "--schemafile", str(SCHEMA), str(file)])  # warm-up: bytecode cache
    for _ in range(repeat):
        ours.append(run_child([*CCAUDIT, "check", str(file)]).seconds)
        if other is not None:
            theirs.append(run_child([*other, "--schemafile", str(SCHEMA), str(file)]).seconds)
    result: dict[str, object] = {"ccaudit_s": ours, "check_jsonschema_s": theirs}
    if theirs:
        result["ratio"] = statistics.median(ours) / statistics.median(theirs)
    return result


def determinism(folder: Path) -> str:
    outputs = []
    for j in ("1", "2"):
        out = run_child([*CCAUDIT, "check", "-f", "json", "-j", j, str(folder)])
        outputs.append(out.stdout)
    return "identical" if outputs[0] == outputs[1] else "DIFFERENT"


def main() -> None:
    parser = argparse.ArgumentParser(description="ccaudit benchmark harness (issue 5)")
    parser.add_argument("--files", default="1,100,1000,10000", help="corpus sizes, comma separated")
    parser.add_argument("--repeat", type=int, default=5, help="timed pairs per size")
    parser.add_argument("--repeat-large", type=int, help="timed pairs for sizes >= 10,000 (default: --repeat)")
    parser.add_argument("--startup-repeat", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="-j for ccaudit, if it has -j")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpora")
    parser.add_argument("--report", action="store_true",
                        help="also time `ccaudit report -f json` against `check -f json` at the largest size")
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.files.split(","))

    work = Path(tempfile.mkdtemp(prefix="ccaudit-bench-"))
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    helptext = run_child([*CCAUDIT, "check", "--help"], (0,)).stdout
    has_jobs = re.search(r"(^|[\s,])(-j|--jobs)\b", helptext, re.MULTILINE) is not None
    jobs = ["-j", str(args.jobs)] if has_jobs else []
    try:
        folders = {n: write_corpus(work / f"n{n}", n, args.seed) for n in sizes}
        run_child([*CCAUDIT, "check", "-f", "json", "-o", os.devnull, str(folders[sizes[0]])])  # warm-ups
        run_child([sys.executable, "-c", REFERENCE, str(folders[sizes[0]])], (0,))
        results = []
        for n in sizes:
            repeat = args.repeat_large if args.repeat_large and n >= 10_000 else args.repeat
            print(f"... {n} files x {repeat}", file=sys.stderr, flush=True)
            results.append(bench_size(folders[n], n, repeat, jobs))
        first = min(folders[sizes[0]].iterdir())
        startup = bench_startup(first, args.startup_repeat)
        determinism_line = determinism(folders[sizes[-1]]) if has_jobs else "-j not available yet"
        evidence = bench_report(folders[sizes[-1]], args.repeat, jobs) if args.report else None
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    cpu = os.cpu_count()
    print(f"ccaudit benchmark  python {sys.version.split()[0]}  cpus {cpu}  "
          f"ccaudit {'-j ' + str(args.jobs) if has_jobs else '(no -j)'}  seed {args.seed}"
          + (f"  corpus kept in {work}" if args.keep else ""))
    print("times in s: median [min-max]; ratio = ccaudit process / reference compose, per pair; "
          "vs proc = ccaudit / whole reference process (medians)")
    header = (f"{'files':>6} {'docs':>6}  {'ccaudit s':<23} {'ref compose s':<22} {'ref process s':<22} "
              f"{'ratio':<24} {'vs proc':>7} {'ms/file':>8} {'RSS MiB':>8} {'ref RSS':>8}")
    print(header)
    for r in results:
        print(f"{r.files:>6} {r.documents:>6}  {fmt(r.ccaudit_s, digits=3):<23} "
              f"{fmt(r.reference_compose_s, digits=3):<22} "
              f"{fmt(r.reference_process_s, digits=3):<22} {fmt(r.ratio, digits=2):<24} "
              f"{statistics.median(r.ccaudit_s) / statistics.median(r.reference_process_s):>7.2f} "
              f"{statistics.median(r.ccaudit_s) / r.files * 1000:>8.2f} {r.ccaudit_maxrss_mib:>8.1f} "
              f"{r.reference_maxrss_mib:>8.1f}")
    largest = results[-1]
    print(f"throughput at {largest.files} files: ratio {statistics.median(largest.ratio):.2f} (bar <= 1.3 at 10,000)"
          f"; peak RSS {largest.ccaudit_maxrss_mib:.1f} MiB (bar < 100 MiB at 10,000)")
    ours = startup["ccaudit_s"]
    theirs = startup["check_jsonschema_s"]
    assert isinstance(ours, list) and isinstance(theirs, list)
    if theirs:
        print(f"start-up, one file ({first.name}): ccaudit {fmt(ours, 1000, 0)} ms, check-jsonschema "
              f"{fmt(theirs, 1000, 0)} ms, ratio {startup['ratio']:.2f} (bar <= 0.5)")
    else:
        print(f"start-up, one file: ccaudit {fmt(ours, 1000, 0)} ms; check-jsonschema could not be installed")
    print(f"determinism, -j 1 vs -j 2 on {sizes[-1]} files: {determinism_line}")
    if evidence is not None:
        print(f"evidence report at {sizes[-1]} files: report {fmt(evidence['report_s'], digits=3)} s, check "  # type: ignore[arg-type]
              f"{fmt(evidence['check_s'], digits=3)} s, ratio {evidence['ratio']:.2f} (bar <= 1.3 at 10,000)")  # type: ignore[arg-type]
    if args.json:
        args.json.write_text(json.dumps({"python": sys.version.split()[0], "cpus": cpu, "jobs": jobs, "seed": args.seed,
                                         "sizes": [asdict(r) for r in results], "startup": startup,
                                         "determinism": determinism_line, "report": evidence}, indent=2) + "\n")


if __name__ == "__main__":
    main()
