"""The pipeline: discover -> load -> validate -> evaluate -> (suppress) -> RunResult.

Never prints; the CLI turns options into a ``RunConfig`` and a ``RunResult`` into output.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from yaml.nodes import MappingNode, Node, ScalarNode

from ccaudit.discover import STDIN, STDIN_NAME, Candidate, discover, display_path
from ccaudit.errors import InternalError, Stop
from ccaudit.evaluate import INPUT_CONTROLS, Facts, Scope, Selection, Where, checked_keys, evaluate, problem_finding
from ccaudit.files import repo_root as _repo_root
from ccaudit.importers import sources
from ccaudit.loader import (
    MANIFEST_KIND,
    MAX_BYTES,
    OTHER_KINDS,
    Document,
    LoadedFile,
    LoadError,
    LoadProblem,
    build_value,
    child,
    load_bytes,
    locate,
    read_file,
    split,
)
from ccaudit.model import (
    FILE_START,
    FileResult,
    Finding,
    ManifestResult,
    Policy,
    RunResult,
    Upcoming,
    has_directive,
    number_occurrences,
    printable,
)
from ccaudit.rulesets import Ruleset, When
from ccaudit.validate import validate

if TYPE_CHECKING:
    from ccaudit.suppress import Region


class RunConfig(NamedTuple):
    paths: tuple[str, ...] = (".",)
    rulesets: tuple[Ruleset, ...] = ()
    assume_all: bool = False
    selection: Selection = Selection()
    exclude: tuple[str, ...] = ()
    max_bytes: int = MAX_BYTES
    policy: Policy = Policy()
    jobs: int | None = None  # worker processes; None: one per CPU for many files, else 1
    stdin: bytes = b""  # what `-` stands for: standard input, read by the caller
    when: When = When()  # the day the law is taken as of (--as-of), and --include-proposed
    checked_keys: bool = False  # record the keys each control that ran checks (JUnit's passing cases)
    evidence: bool = False  # record each manifest's rulesets and controls with nothing to check (`report`)

    @property
    def scope(self) -> Scope:
        return Scope(self.rulesets, self.assume_all, self.selection, self.when)


DIRECTIVE_CONTROLS = frozenset({"CCA005", "CCA006"})  # the suppression stage's own findings, selected like any
# other; what the earlier stages found was already selected there (a file that does not parse is always reported)

PARALLEL_FROM = 64  # fewer files than this are checked in one process (start-up costs more)


def run(config: RunConfig) -> RunResult:
    """Check every file, in worker processes for many; raises ``PathNotFound`` for a missing PATH.

    The result is the same, in the same order, whatever the number of workers.
    """
    candidates = list(discover(config.paths, config.exclude))
    sources.forget(config.max_bytes)  # tools' source files: read once per run (per worker process)
    workers = _workers(config.jobs, len(candidates))
    with _fewer_collections():
        files = [check_candidate(c, config) for c in candidates] if workers == 1 else \
            _in_workers(candidates, config, workers)
    files.sort(key=lambda r: r.file)  # every report lists files in one order
    seen = {f.fingerprint for r in files for f in r.findings}
    fixed = tuple(sorted(d for fp, d in config.policy.baseline.items() if fp not in seen))
    return RunResult(tuple(files), fixed, config.when.as_of, _checked_keys(files) if config.checked_keys else {})


def _checked_keys(files: list[FileResult]) -> Mapping[str, tuple[str, ...]]:
    """The keys each control that ran checks (JUnit names a passing case per key)."""
    ran = {c for r in files for m in r.manifest_results for c in m.controls}
    return {c: keys for c, keys in checked_keys().items() if c in ran} if ran else {}


def _workers(jobs: int | None, files: int) -> int:
    if jobs is None:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        jobs = jobs if files >= PARALLEL_FROM else 1
    return max(1, min(jobs, files))


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Loading builds many objects and few reference cycles, so the cycle collector runs less
    often (as mypy does): it took a sixth of a run of 10,000 files at Python's default."""
    threshold = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


GC_THRESHOLD = 50_000  # allocations between young-generation collections (Python's default: 700)

_WORKER_CONFIG: RunConfig | None = None


def _start_worker(config: RunConfig) -> None:
    import signal

    global _WORKER_CONFIG
    _WORKER_CONFIG = config
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])  # as in ``_fewer_collections``: the worker only checks
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle


def _check_in_worker(candidate: Candidate) -> FileResult:
    assert _WORKER_CONFIG is not None
    return check_candidate(candidate, _WORKER_CONFIG)


def _in_workers(candidates: list[Candidate], config: RunConfig, workers: int) -> list[FileResult]:
    """Results in input order; a worker that dies ends the run (BrokenProcessPool), never hangs it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork" if os.name == "posix" and sys.platform != "darwin" else "spawn")
    chunk = max(1, min(64, len(candidates) // (workers * 8)))
    with ProcessPoolExecutor(workers, context, initializer=_start_worker, initargs=(config,)) as pool:
        try:
            return list(pool.map(_check_in_worker, candidates, chunksize=chunk))
        except BrokenProcessPool:
            raise InternalError("a worker process died (out of memory?); run again with -j 1") from None


def check_candidate(candidate: Candidate, config: RunConfig) -> FileResult:
    """One file; a defect met on the way is an internal error that names the file."""
    try:
        return _check_candidate(candidate, config)
    except (InternalError, Stop):
        raise
    except Exception as exc:
        raise InternalError(f"{display_path(candidate.path)}: {type(exc).__name__}: {exc}") from exc


def _check_candidate(candidate: Candidate, config: RunConfig) -> FileResult:
    if candidate.path == STDIN:
        return check_loaded(STDIN_NAME, load_bytes(config.stdin, config.max_bytes), config)
    shown, error = printable(display_path(candidate.path)), candidate.error
    if error is None:
        try:
            loaded = read_file(candidate.path, config.max_bytes)
        except OSError as exc:
            error = f"cannot read file: {exc.strerror or exc}"
        else:
            return check_loaded(shown, loaded, config)
    finding = _file_problem(LoadProblem("CCA001", FILE_START, error), shown, [])
    return FileResult(shown, (), (finding,), _repo_path(shown))


_NO_DOCUMENT = Document(0, ScalarNode("tag:yaml.org,2002:null", ""))


def _file_problem(problem: LoadProblem, shown: str, lines: list[str]) -> Finding:
    """A problem of the whole file (unreadable, unparsable), outside any manifest."""
    return problem_finding(problem, Where(shown, _repo_path(shown), lines, _NO_DOCUMENT, None, {}))


def check_loaded(shown: str, loaded: LoadedFile, config: RunConfig) -> FileResult:
    """One file's documents, checked as they are composed (each node tree is dropped once checked)."""
    findings: list[Finding] = []
    manifests: list[ManifestResult] = []
    repo_path = _repo_path(shown)
    directive = has_directive(loaded.lines)
    quoted: list[Region] | None = [] if config.policy.inline and directive else None
    error: LoadProblem | None = None
    for item in loaded.composed:
        if isinstance(item, LoadProblem):
            error = item
            continue
        if quoted is not None:
            quoted += _quoted_regions(item.node)
        where = Where(shown, repo_path, loaded.lines, item, _name(item.node), {})
        manifest = _check_document(where, loaded.has_marker, config, findings)
        if manifest is not None:
            manifests.append(manifest)
    if error is not None and loaded.has_marker:
        findings.append(_file_problem(error, shown, loaded.lines))
    findings = number_occurrences(sorted(findings, key=lambda f: f.sort_key))
    if config.policy.applies(directive):
        from ccaudit.suppress import Commented, apply

        text = Commented(loaded.lines, directive, quoted or [], error.span.line if error else None)
        ran = {c for m in manifests for c in m.controls}
        findings = [f for f in apply(findings, text, bool(manifests), ran, shown, repo_path, config.policy)
                    if f.id not in DIRECTIVE_CONTROLS or config.selection.wants(f.id)]
    return FileResult(shown, tuple(manifests), tuple(sorted(findings, key=lambda f: f.sort_key)), repo_path)


def _quoted_regions(node: Node) -> list[Region]:
    from ccaudit.suppress import quoted_regions

    return quoted_regions(node)


def _check_document(where: Where, has_marker: bool, config: RunConfig,
                    findings: list[Finding]) -> ManifestResult | None:
    """A document's findings added to ``findings``; its result if it is a manifest (None: YAML not ccaudit's)."""
    kind = _classify(where.document.node, has_marker)
    if kind is None:
        return None
    evaluated = [c for c in INPUT_CONTROLS if config.selection.wants(c)]
    pending: list[Upcoming] = []
    facts: list[Facts] | None = [] if config.evidence else None
    if isinstance(kind, LoadProblem):
        findings.append(problem_finding(kind, where))
    else:
        findings.extend(_check_manifest(where, config, evaluated, pending, facts))
    recorded = facts[0] if facts else ()  # rulesets, pd, inapplicable
    return ManifestResult(where.manifest, tuple(sorted(evaluated)), tuple(pending), *recorded)


def _check_manifest(where: Where, config: RunConfig, evaluated: list[str],
                    pending: list[Upcoming], facts: list[Facts] | None = None) -> Iterator[Finding]:
    document = where.document
    problem = build_value(document)
    if problem is not None:
        yield problem_finding(problem, where)
        return
    validated = validate(document)
    for item in (*document.problems, *validated.problems):
        if config.selection.wants(item.control):
            yield problem_finding(item, where)
    if not validated.stop:
        yield from evaluate(where, config.scope, evaluated, pending, facts)


def _scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def _classify(node: Node, has_marker: bool) -> bool | LoadProblem | None:
    """True for a manifest, a problem for a broken one, None for YAML that is not ccaudit's."""
    if not isinstance(node, MappingNode):
        scalar = isinstance(node, ScalarNode)
        if has_marker and not (scalar and node.value == ""):
            return LoadProblem("CCA002", locate(node, ()), "a manifest must be a mapping (apiVersion, kind, "
                               f"metadata, spec); this document is a {'scalar' if scalar else 'list'}")
        return None
    try:
        version, kind = _scalar(child(node, "apiVersion")[1]), _scalar(child(node, "kind")[1])
    except LoadError:  # a malformed merge key: the value stage reports it
        return True if has_marker else None
    if not (version or "").startswith("ccaudit/") or kind in OTHER_KINDS:
        return None
    if kind != MANIFEST_KIND:
        return LoadProblem("CCA002", locate(node, ("kind",)), f"unknown kind {kind!r} for apiVersion {version}: "
                           f"a manifest has kind {MANIFEST_KIND}", ("kind",))
    return True


def _name(node: Node) -> str | None:
    try:
        return _scalar(child(child(node, "metadata")[1] or MappingNode("", []), "name")[1])
    except LoadError:
        return None


def _repo_path(shown: str) -> str:
    """The path relative to the repository root (the nearest folder above holding .git)."""
    if shown == STDIN_NAME:
        return shown
    absolute = os.path.abspath(shown)
    root = _repo_root(os.path.dirname(absolute))
    return shown if root is None else os.path.relpath(absolute, root).replace(os.sep, "/")


def manifest_values(path: str) -> list[dict]:
    """The validated values of the manifests in one file (for `standard`); problems are skipped."""
    try:
        loaded = read_file(path)
    except OSError as exc:
        raise Stop(f"cannot read {path}: {exc.strerror or exc}") from None
    values = []
    for document in split(loaded.composed)[0]:
        manifest = _classify(document.node, loaded.has_marker) is True
        if manifest and build_value(document) is None and not validate(document).stop:
            values.append(document.value)
    return values
