"""The command line: options -> a frozen RunConfig -> the pipeline -> a report and an exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

import click

from ccaudit import __version__, exitcodes
from ccaudit.model import RunResult
from ccaudit.reporters import EXTRA_REPORTS, REPORTERS, ReportOptions

F = TypeVar("F", bound=Callable[..., Any])


class Failure(click.ClickException):
    """One clear line on stderr and exit 2."""

    exit_code = exitcodes.USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"ccaudit: error: {self.format_message()}", err=True)


def guarded(func: F) -> F:
    """Known errors become one line and exit 2; anything else too, unless --debug."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ccaudit.errors import InternalError, Stop

        try:
            return func(*args, **kwargs)
        except Stop as exc:
            raise Failure(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit):
            raise
        except KeyboardInterrupt:
            click.echo("ccaudit: interrupted", err=True)
            raise click.exceptions.Exit(exitcodes.INTERRUPTED) from None
        except Exception as exc:
            if os.environ.get("CCAUDIT_DEBUG") or click.get_current_context().meta.get(DEBUG):
                raise
            what = str(exc) if isinstance(exc, InternalError) else f"{type(exc).__name__}: {exc}"
            raise Failure(f"internal error: {what} (run with --debug for details)") from None

    return wrapper  # type: ignore[return-value]


DEBUG = "ccaudit.debug"  # in the context's meta (shared by the group and its commands) when --debug is given


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[DEBUG] = True


def debug_option(func: F) -> F:
    """``--debug``, before or after the command's name."""
    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=_set_debug,
                        help="Show tracebacks for internal errors.")(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ccaudit")
@debug_option
def main() -> None:
    """Compliance-as-code linter for AI agents in customer contact centers."""


def _use_color(flag: bool | None, output: str | None) -> bool:
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return output is None and sys.stdout is not None and sys.stdout.isatty()


def _extra_report_options(func: F) -> F:
    """``--sarif PATH``, ``--junit PATH``, ...: more reports from the same run (``report_sarif``, ...)."""
    for name in reversed(EXTRA_REPORTS):
        func = click.option(f"--{name}", f"report_{name}", type=click.Path(dir_okay=False), metavar="PATH",
                            help=f"Also write a {name} report to PATH.")(func)
    return func


def _law_options(func: F) -> F:
    """``--as-of DATE`` and ``--include-proposed``: which requirements are in force (``when``)."""
    func = click.option("--include-proposed", is_flag=True,
                        help="Preview proposed rules too (their findings say \"proposed rule\").")(func)
    return click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None, metavar="DATE",
                        help="Judge by the law in force on DATE (YYYY-MM-DD; default: today, UTC).")(func)


def _run_options(baseline_help: str) -> Callable[[F], F]:
    """What chooses the law and the findings, alike for check, report and fix (the run configuration)."""
    options = [
        click.option("--select", multiple=True, metavar="ID", help="Only these controls (id, slug or id prefix)."),
        click.option("--ignore", multiple=True, metavar="ID", help="Skip these controls (id, slug or id prefix)."),
        click.option("--ruleset", "rulesets", multiple=True, metavar="NAME-OR-PATH",
                     help="Add a ruleset: a built-in name or a YAML file."),
        click.option("--assume-all", is_flag=True, help="Apply every built-in ruleset, whatever the triggers."),
        click.option("--exclude", multiple=True, metavar="GLOB", help="Skip matching paths."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                     help="Configuration file (default: nearest .ccaudit.yaml upwards, "
                          "else [tool.ccaudit] in pyproject.toml)."),
        click.option("--baseline", type=click.Path(dir_okay=False), default=None, help=baseline_help),
        click.option("--no-inline-suppressions", is_flag=True,
                     help="Ignore # ccaudit: comments (for protected branches)."),
    ]

    def decorate(func: F) -> F:
        func = _law_options(func)
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


_jobs_option = click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                            help="Worker processes (default: one per CPU for many files, 1 for a few).")


def _when(as_of: Any, include_proposed: bool) -> Any:
    from datetime import datetime, timezone

    from ccaudit.rulesets import When

    day = (as_of or datetime.now(timezone.utc)).date().isoformat()
    return When(day, include_proposed)


def _default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" and "github" in REPORTERS else "text"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(sorted(REPORTERS), case_sensitive=False), default=None,
              help="Report format (default: text; github when GITHUB_ACTIONS=true).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file.")
@click.option("--fail-on", type=click.Choice(exitcodes.FAIL_ON, case_sensitive=False), default=None,
              help="Lowest severity that makes the exit code 1 (default: low, any finding; none: report only).")
@click.option("--fail-if-no-manifests", is_flag=True,
              help="Exit 2 when no AgentDeployment manifest is found (a mistyped path or exclude).")
@_run_options("Report only findings not in this baseline.")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: on a terminal).")
@click.option("--write-baseline", type=click.Path(dir_okay=False), default=None,
              help="Write today's findings to this baseline file.")
@_jobs_option
@_extra_report_options
@click.option("--sarif-include-suppressed", is_flag=True,
              help="Keep suppressed findings in SARIF, marked with their suppression and reason.")
@debug_option
@guarded
def check(paths: tuple[str, ...], fmt: str | None, output: str | None, fail_on: str, fail_if_no_manifests: bool,
          select: tuple[str, ...], ignore: tuple[str, ...], rulesets: tuple[str, ...], assume_all: bool,
          exclude: tuple[str, ...], color: bool | None, config_path: str | None, baseline: str | None,
          write_baseline: str | None, no_inline_suppressions: bool, jobs: int | None, sarif_include_suppressed: bool,
          as_of: Any, include_proposed: bool, **reports: str | None) -> None:
    """Check manifests in PATHS (files or folders; default: the current folder; - for one manifest on
    standard input)."""
    from ccaudit.pipeline import run

    settings = _settings(config_path)
    fail_on = fail_on or settings.fail_on or "low"
    fmt = fmt or _default_format()
    config = _run_config(settings, paths, select, ignore, rulesets, assume_all, exclude, baseline,
                         no_inline_suppressions, _when(as_of, include_proposed), jobs=jobs, stdin=_stdin(paths),
                         checked_keys=fmt == "junit" or bool(reports.get("report_junit")))
    result = run(config)
    if write_baseline:
        _write_baseline(result, write_baseline)
    options = ReportOptions(_use_color(color, output), sarif_include_suppressed)
    if output or not write_baseline:  # --write-baseline says one line instead of the report
        _write(REPORTERS[fmt](result, options), output, options.color)
    _write_extra_reports(result, options, reports)
    if fmt == "github" and not write_baseline:
        _append_step_summary(result)
    if result.baseline_fixed and fmt != "json" and not write_baseline:
        from ccaudit.baseline import fixed_message

        click.echo(fixed_message(result.baseline_fixed), err=True)
    _fail_if_nothing_checked(result, fail_if_no_manifests)
    sys.exit(exitcodes.OK if write_baseline else exitcodes.for_findings(result.findings, fail_on))


def _run_config(settings: Any, paths: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...],
                rulesets: tuple[str, ...], assume_all: bool, exclude: tuple[str, ...], baseline: str | None,
                no_inline_suppressions: bool, when: Any, **more: Any) -> Any:
    """The frozen run configuration of ``check`` (and ``fix``): options over the configuration file."""
    from ccaudit.model import Policy
    from ccaudit.pipeline import RunConfig
    from ccaudit.rulesets import load_ruleset

    selection = _selection(select or settings.select, settings.ignore + ignore)
    baseline = baseline or settings.baseline
    policy = Policy(not no_inline_suppressions and settings.inline_suppressions is not False, settings.waivers,
                    _baseline(baseline) if baseline else {})
    return RunConfig(paths or (".",), tuple(load_ruleset(r) for r in (*settings.rulesets, *rulesets)),
                     assume_all or bool(settings.assume_all), selection, settings.exclude + exclude, policy=policy,
                     when=when, **more)


def _stdin(paths: tuple[str, ...]) -> bytes:
    """Standard input when a PATH is ``-`` (read once, here: workers cannot share it), bounded like a file."""
    from ccaudit.discover import STDIN
    from ccaudit.loader import MAX_BYTES

    if STDIN not in paths:
        return b""
    return sys.stdin.buffer.read(MAX_BYTES + 1) if sys.stdin is not None else b""


def _write_baseline(result: RunResult, path: str) -> None:
    from ccaudit.baseline import baseline_entries, render_baseline, written_message

    entries = baseline_entries(result.findings)
    _write([render_baseline(entries)], path)
    click.echo(written_message(len(entries), path))


def _fail_if_nothing_checked(result: RunResult, wanted: bool) -> None:
    from ccaudit.reporters.text import nothing_checked

    nothing = nothing_checked(result) if wanted else None
    if nothing:
        raise Failure(f"{nothing} (--fail-if-no-manifests)")


def _baseline(path: str) -> dict[str, str]:
    from ccaudit.baseline import read_baseline

    return read_baseline(path)


def _settings(path: str | None) -> Any:
    """The configuration: --config, else discovered upwards from the current folder, else defaults."""
    from pathlib import Path

    from ccaudit.config import Config, discover_config, load_config
    from ccaudit.errors import ConfigError

    if path is not None and not os.path.exists(path):
        raise ConfigError(f"configuration file not found: {path}")
    found = Path(path) if path else discover_config(Path.cwd())
    return load_config(found) if found else Config()


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--select CCA1,CCA2 --select CCA3`` -> ("CCA1", "CCA2", "CCA3")."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _selection(select: tuple[str, ...], ignore: tuple[str, ...]) -> Any:
    from ccaudit.evaluate import Selection, selection_problem

    select, ignore = _split(select), _split(ignore)
    problem = selection_problem(select, ignoring=False) or selection_problem(ignore, ignoring=True)
    if problem:
        raise Failure(problem)
    return Selection(select, ignore)


def _write_extra_reports(result: RunResult, options: ReportOptions, reports: dict[str, str | None]) -> None:
    plain = options._replace(color=False)
    for name in EXTRA_REPORTS:
        path = reports.get(f"report_{name}")
        if path:
            _write(REPORTERS[name](result, plain), path)


# GitHub drops a job summary larger than 1 MiB altogether; keep well below it.
STEP_SUMMARY_LIMIT = 1_000_000


def _bounded(pieces: Iterable[str], limit: int) -> str:
    """The text of ``pieces`` cut at a line so that its UTF-8 size stays within ``limit``, saying
    so; the pieces past the limit are never made."""
    kept: list[bytes] = []
    size = 0
    for piece in pieces:
        kept.append(piece.encode("utf-8"))
        size += len(kept[-1])
        if size > limit:
            cut = b"".join(kept)[: limit - 200].decode("utf-8", "ignore").rsplit("\n", 1)[0]
            return cut + "\n\n*The summary is cut here to fit GitHub's limit; the SARIF and JSON reports are " \
                         "complete.*\n"
    return b"".join(kept).decode("utf-8")


def _append_step_summary(result: RunResult) -> None:
    """GitHub's job summary: the markdown report appended to ``$GITHUB_STEP_SUMMARY`` when set."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(_bounded(REPORTERS["markdown"](result, ReportOptions()), STEP_SUMMARY_LIMIT))
    except OSError as exc:
        click.echo(f"ccaudit: warning: cannot append the job summary to {path}: {exc.strerror}", err=True)


def _write(pieces: Iterable[str], output: str | None, color: bool = False) -> None:
    """Write a report piece by piece, to stdout or to a file."""
    if output is None:
        if sys.stdout is None:
            raise Failure("cannot write the report: standard output is closed")
        try:
            for piece in pieces:
                click.echo(piece, nl=False, color=color)
            sys.stdout.flush()
        except BrokenPipeError:  # a reader that stopped early (| head): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError as exc:
            raise Failure(f"cannot write the report: {exc.strerror}") from None
        return
    _write_file(pieces, output)


def _write_file(pieces: Iterable[str], output: str) -> None:
    """Write a report or a manifest whole (``files.replace``); a failure is one line."""
    from ccaudit.files import replace

    try:
        replace(output, (piece.encode("utf-8") for piece in pieces))
    except OSError as exc:
        raise Failure(f"cannot write {output}: {exc.strerror or exc}") from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(["html", "markdown", "json", "csv", "oscal"],
              case_sensitive=False), default="html", help="Report format (default: html).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report to this file.")
@_run_options("Findings of this baseline are shown as baselined.")
@_jobs_option
@debug_option
@guarded
def report(paths: tuple[str, ...], fmt: str, output: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
           rulesets: tuple[str, ...], assume_all: bool, exclude: tuple[str, ...], config_path: str | None,
           baseline: str | None, no_inline_suppressions: bool, jobs: int | None, as_of: Any,
           include_proposed: bool) -> None:
    """Evidence for an auditor: per regulation, each requirement x each manifest with a status, scores,
    the exception register and upcoming obligations (exit 0 whatever the findings; 2 on errors)."""
    from ccaudit.evidence import build
    from ccaudit.evidence.formats import FORMATS
    from ccaudit.pipeline import run

    settings = _settings(config_path)
    config = _run_config(settings, paths, select, ignore, rulesets, assume_all, exclude, baseline,
                         no_inline_suppressions, _when(as_of, include_proposed), jobs=jobs, stdin=_stdin(paths),
                         evidence=True)
    result = run(config)
    _write(FORMATS[fmt.lower()](build(result, config.rulesets, config.policy.waivers, config.when)), output)


@main.command("standard")
@click.argument("manifest", type=click.Path())
@click.option("--ruleset", "rulesets", multiple=True, metavar="NAME-OR-PATH", help="Add a ruleset.")
@click.option("--assume-all", is_flag=True, help="Apply every built-in ruleset.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"], case_sensitive=False), default="text")
@_law_options
@debug_option
@guarded
def standard_command(manifest: str, rulesets: tuple[str, ...], assume_all: bool, fmt: str, as_of: Any,
                     include_proposed: bool) -> None:
    """The effective highest standard for one manifest: each parameter and who binds it."""
    from ccaudit.info import standard_report
    from ccaudit.rulesets import load_ruleset

    if not os.path.isfile(manifest):
        raise Failure(f"not a file: {manifest}" if os.path.exists(manifest) else f"path does not exist: {manifest}")
    extra = tuple(load_ruleset(r) for r in rulesets)
    click.echo(standard_report(manifest, extra, assume_all, fmt, _when(as_of, include_proposed)), nl=False)


@main.command()
@click.option("--ruleset", "ruleset", default=None, metavar="NAME-OR-PATH", help="Only this ruleset's controls.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown"], case_sensitive=False),
              default="text")
@_law_options
@debug_option
@guarded
def rules(ruleset: str | None, fmt: str, as_of: Any, include_proposed: bool) -> None:
    """Every control, its severity, and the rulesets that require it with citations."""
    from ccaudit.info import rules_report

    click.echo(rules_report(ruleset, fmt, _when(as_of, include_proposed)), nl=False)


@main.command()
@click.argument("control")
@debug_option
@guarded
def explain(control: str) -> None:
    """One control in full: what, why, the law, a failing and a passing example."""
    from ccaudit.info import explain_report

    text = explain_report(control)
    if text is None:
        from ccaudit.rulesets import did_you_mean

        raise Failure(f"unknown control {control!r}{did_you_mean(control)} (see `ccaudit rules`)")
    click.echo(text, nl=False)


@main.group("import")
def import_group() -> None:
    """Draft tool and vendor entries from files a team already has (nothing fetched, no server started)."""


def _merge_options(func: F) -> F:
    func = click.option("--diff", is_flag=True, help="With --merge: print the change as a diff, write nothing.")(func)
    return click.option("--merge", "manifest", type=click.Path(dir_okay=False), default=None, metavar="MANIFEST",
                        help="Add the entries to this manifest in place (comments kept, its values never "
                             "overwritten; disagreements listed).")(func)


def _imported(outcome: Any) -> None:
    for note in outcome.notes:
        click.echo(f"ccaudit: note: {note}", err=True)
    if outcome.write is not None:
        _write_file([outcome.write[1]], outcome.write[0])
    _write([outcome.text], None)


@import_group.command("openapi")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--operation", "operations", multiple=True, metavar="ID", help="Only this operation (repeatable).")
@_merge_options
@debug_option
@guarded
def import_openapi(file: str, operations: tuple[str, ...], manifest: str | None, diff: bool) -> None:
    """Tool entries from an OpenAPI 3.0 or 3.1 document (YAML or JSON), one per operation."""
    from ccaudit.importers.commands import openapi_command

    _imported(openapi_command(file, operations, manifest, diff))


@import_group.command("mcp")
@click.argument("file", type=click.Path(dir_okay=False))
@_merge_options
@debug_option
@guarded
def import_mcp(file: str, manifest: str | None, diff: bool) -> None:
    """Tool stubs (and vendor stubs for remote servers) from an MCP client configuration."""
    from ccaudit.importers.commands import mcp_command

    _imported(mcp_command(file, manifest, diff))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--diff", is_flag=True,
              help="Print a unified diff and write nothing (exit 1 when there is something to fix).")
@_run_options("Leave the findings of this baseline alone.")
@debug_option
@guarded
def fix(paths: tuple[str, ...], diff: bool, select: tuple[str, ...], ignore: tuple[str, ...],
        rulesets: tuple[str, ...], assume_all: bool, exclude: tuple[str, ...], config_path: str | None,
        baseline: str | None, no_inline_suppressions: bool, as_of: Any, include_proposed: bool) -> None:
    """Apply only-stricter fixes to the manifests in PATHS, in place, keeping comments and layout;
    list the findings that need a person. Exit 1 while findings are left (with --diff: while
    there is something to fix)."""
    from ccaudit.authoring.fix import fix_run, needs_a_person, summary, unified_diff, write_back
    from ccaudit.reporters.text import render

    if "-" in paths:
        raise Failure("fix rewrites files in place; it cannot read standard input")
    config = _run_config(_settings(config_path), paths, select, ignore, rulesets, assume_all, exclude, baseline,
                         no_inline_suppressions, _when(as_of, include_proposed))
    fixes = fix_run(config)
    changed = [f for f in fixes if f.changed]
    if diff:
        _write([unified_diff(f) for f in changed], None)
    else:
        for item in changed:
            write_back(item)
    left = needs_a_person(fixes, diff)
    click.echo(summary(fixes, diff), err=diff, nl=False)
    if left.findings:
        click.echo("\nneeds a person:\n" + "".join(render(left)), err=diff, nl=False)
    sys.exit(exitcodes.FINDINGS if (changed if diff else left.findings) else exitcodes.OK)


@main.command()
@click.option("--path", "show_path", is_flag=True, help="Print where the schema file is installed instead.")
@debug_option
@guarded
def schema(show_path: bool) -> None:
    """Print the manifest JSON Schema (for an editor's yaml-language-server)."""
    from ccaudit.resources import schema_file

    path = schema_file(MANIFEST_SCHEMA)
    click.echo(str(path) if show_path else path.read_text(encoding="utf-8"), nl=show_path)


MANIFEST_SCHEMA = "manifest.schema.json"


@main.command()
@click.argument("path", default="agent.yaml", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@click.option("--name", default=None, help="The deployment's name (DNS-label style).")
@click.option("--owner", default=None, help="The accountable team.")
@click.option("--subjects", default=None, metavar="LIST", help="Where the customers are, e.g. EU,US-CA (empty: none).")
@click.option("--categories", default=None, metavar="LIST", help="Data categories handled, e.g. contact,account.")
@click.option("--channels", default=None, metavar="LIST", help="Channels served, e.g. chat,voice.")
@click.option("--no-input", is_flag=True, help="Never ask; use the defaults for what is not given.")
@debug_option
@guarded
def init(path: str, force: bool, name: str | None, owner: str | None, subjects: str | None,
         categories: str | None, channels: str | None, no_input: bool) -> None:
    """Write a commented starter manifest to PATH (default agent.yaml) that passes `ccaudit check`."""
    from ccaudit.authoring.init import Scope, parse_list, starter
    from ccaudit.pipeline import RunConfig

    if os.path.exists(path) and not force:
        raise Failure(f"{path} exists; use --force to overwrite it")
    ask = not no_input and sys.stdin is not None and sys.stdin.isatty()
    default = Scope()
    given = {"name": name, "owner": owner, "subjects": subjects, "categories": categories, "channels": channels}
    shown = {"name": default.name, "owner": default.owner, "subjects": ",".join(default.subjects),
             "categories": ",".join(default.categories), "channels": ",".join(default.channels)}
    answers = {k: v if v is not None else (click.prompt(k, default=shown[k], show_default=True) if ask else shown[k])
               for k, v in given.items()}
    scope = Scope(answers["name"], answers["owner"], parse_list(answers["subjects"]),
                  parse_list(answers["categories"]), parse_list(answers["channels"]))
    _write_file([starter(scope, RunConfig(), path)], path)
    click.echo(f"wrote {path}")
