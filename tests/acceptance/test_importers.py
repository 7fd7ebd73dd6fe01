"""`ccaudit import openapi|mcp` on real-world documents (golden outputs), `--merge` into the bundled
example and back through `check`, and the source files of CCA009/CCA010 under hostile input.

Regenerate the golden files with ``CCAUDIT_UPDATE_GOLDEN=1 pytest tests/acceptance/test_importers.py``.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import EXAMPLES, FIXTURES, ROOT, check_json, run_cli

IMPORTERS = FIXTURES / "importers"
GOLDEN = ROOT / "tests" / "golden" / "importers"
CASES = {
    "intercom-contacts": ("openapi", "tests/fixtures/importers/intercom-contacts.yaml"),
    "paypal-payments": ("openapi", "tests/fixtures/importers/paypal-payments.json"),
    "crm-openapi-3.1": ("openapi", "tests/fixtures/controls/sources/crm-openapi.yaml"),
    "mcp-claude-code": ("mcp", "tests/fixtures/importers/mcp/claude-code/.mcp.json"),
    "mcp-claude-desktop": ("mcp", "tests/fixtures/importers/mcp/claude-desktop/claude_desktop_config.json"),
    "mcp-cursor": ("mcp", "tests/fixtures/importers/mcp/cursor/.cursor/mcp.json"),
    "mcp-vscode": ("mcp", "tests/fixtures/importers/mcp/vscode/.vscode/mcp.json"),
}


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("case", sorted(CASES))
def test_import_golden(case: str, at_root: None) -> None:
    kind, path = CASES[case]
    result = run_cli("import", kind, path)
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"{case}.yaml"
    if os.environ.get("CCAUDIT_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8"), f"{golden.name} changed"
    assert result.stdout == run_cli("import", kind, path).stdout  # the same from run to run
    assert isinstance(yaml.safe_load(result.stdout), dict)  # valid YAML whatever the comments hold


def test_openapi_mapping_of_a_real_payments_api(at_root: None) -> None:
    result = run_cli("import", "openapi", CASES["paypal-payments"][1], "--operation", "captures.refund")
    (tool,) = yaml.safe_load(result.stdout)["tools"]
    assert tool["access"] == "write" and tool["auth"] == {"type": "oauth2"}
    assert tool["scopes"] == ["https://uri.paypal.com/services/payments/refund"]
    assert {"id", "status", "amount"} <= set(tool["fields"])  # from a $ref'd schema and its allOf
    assert tool["source"] == {"openapi": CASES["paypal-payments"][1], "operation": "captures.refund"}
    assert not {"approval", "dataCategories", "requiresVerifiedCustomer", "maxRecordsPerCall"} & set(tool)
    assert "# /paths/~1v2~1payments~1captures~1{capture_id}~1refund/post/security" in result.stdout


def test_an_unknown_operation_or_a_document_that_is_not_openapi_is_one_line_and_exit_2(at_root: None) -> None:
    result = run_cli("import", "openapi", CASES["paypal-payments"][1], "--operation", "nope")
    assert result.exit_code == 2 and "no operation 'nope' (operations: captures.refund, refunds.get)" in result.stderr
    result = run_cli("import", "openapi", CASES["mcp-claude-code"][1])
    assert result.exit_code == 2 and "is not an OpenAPI 3 document" in result.stderr


def test_external_refs_are_reported_not_followed_and_cycles_end(write: Any, tmp_path: Path) -> None:
    secret = tmp_path / "other.yaml"
    secret.write_text("Secret: {properties: {leaked: {type: string}}}\n")
    path = write("api.yaml", """\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: external
      responses: {"200": {content: {application/json: {schema: {$ref: "other.yaml#/Secret"}}}}}
  /b:
    get:
      operationId: url
      responses: {"200": {$ref: "https://example.com/responses.yaml#/ok"}}
  /c:
    get:
      operationId: cycle
      responses: {"200": {content: {application/json: {schema: {$ref: "#/components/schemas/A"}}}}}
components:
  schemas:
    A: {$ref: "#/components/schemas/B"}
    B: {$ref: "#/components/schemas/A"}
""")
    result = run_cli("import", "openapi", path)
    assert result.exit_code == 0
    tools = {t["name"]: t for t in yaml.safe_load(result.stdout)["tools"]}
    assert "leaked" not in result.stdout and not any("fields" in t for t in tools.values())
    assert "external reference 'other.yaml#/Secret' not followed" in result.stderr
    assert "external reference 'https://example.com/responses.yaml#/ok' not followed" in result.stderr
    assert "cycle at '#/components/schemas/A'" in result.stderr


def test_mcp_import_never_starts_a_server_nor_reads_the_environment(write: Any, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    server = {"command": sys.executable, "args": ["-c", f"open({str(marker)!r}, 'w')"],
              "env": {"CRM_API_TOKEN": "${CRM_API_TOKEN}"}}
    path = write(".mcp.json", json.dumps({"mcpServers": {"crm": server}}))
    result = run_cli("import", "mcp", path, env={"CRM_API_TOKEN": "value-from-the-environment"})
    assert result.exit_code == 0 and not marker.exists()
    assert "value-from-the-environment" not in result.output
    (tool,) = yaml.safe_load(result.stdout)["tools"]
    # a reference is no literal secret; the source is named relative to the current folder
    assert tool == {"name": "mcp.crm", "source": {"mcp": os.path.relpath(path), "server": "crm"}}


def test_mcp_literal_secrets_remote_hosts_and_servers_that_are_not_mappings(at_root: None) -> None:
    result = run_cli("import", "mcp", CASES["mcp-cursor"][1])
    out = yaml.safe_load(result.stdout)
    assert [t["name"] for t in out["tools"]] == ["mcp.zendesk", "mcp.linear"]
    assert out["vendors"] == [{"name": "mcp.linear.app"}]
    assert "server 'broken' is not a mapping; left out" in result.stderr
    code = yaml.safe_load(run_cli("import", "mcp", CASES["mcp-claude-code"][1]).stdout)
    static = {t["name"] for t in code["tools"] if t.get("auth", {}).get("credential") == "static"}
    assert static == {"mcp.tickets"}  # X-API-KEY is literal; ${CRM_API_TOKEN} is a reference


# ---- --merge into the bundled example, then check -----------------------------------------


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "apis").mkdir()
    shutil.copy(IMPORTERS / "paypal-payments.json", repo / "apis" / "payments.json")
    shutil.copy(EXAMPLES / "billing-voice-agent.yaml", repo / "agent.yaml")
    return repo


def _findings(path: Path) -> list[dict[str, Any]]:
    return list(check_json("--assume-all", str(path))[1]["findings"])


def test_round_trip_merge_then_check_fails_closed_and_changes_nothing_else(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    manifest = repo / "agent.yaml"
    before_text, before = manifest.read_text(), _findings(manifest)
    result = run_cli("import", "openapi", str(repo / "apis" / "payments.json"), "--merge", str(manifest))
    assert result.exit_code == 0, result.output
    after_text = manifest.read_text()
    opcodes = difflib.SequenceMatcher(None, before_text.splitlines(), after_text.splitlines()).get_opcodes()
    assert {op for op, *_ in opcodes} == {"equal", "insert"}  # every line of the example kept, comments too
    assert "# /components/schemas/refund/properties" in after_text
    tools = yaml.safe_load(after_text)["spec"]["tools"]
    old = len(yaml.safe_load(before_text)["spec"]["tools"])
    assert [t["name"] for t in tools[old:]] == ["captures.refund", "refunds.get"]
    assert tools[old]["source"] == {"openapi": "apis/payments.json", "operation": "captures.refund"}
    after = _findings(manifest)
    new = [f for f in after if any(f["path"].startswith(f"spec.tools[{i}]") for i in range(old, len(tools)))]
    key = lambda f: (f["id"], f["path"], f["message"])  # noqa: E731
    assert sorted(map(key, [f for f in after if f not in new])) == sorted(map(key, before))
    refund = {f["id"] for f in new if f["path"].startswith(f"spec.tools[{old}]")}
    assert {"CCA102", "CCA106", "CCA107"} <= refund  # approval, verification, records per call: unknown
    assert not {"CCA001", "CCA002", "CCA009"} & {f["id"] for f in new}


def test_merge_never_overwrites_and_lists_disagreements(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    manifest = repo / "agent.yaml"
    text = manifest.read_text().replace("  tools:\n", "  tools:\n    - name: refunds.get  # ours\n      access: write\n"
                                        "      scopes: [payments:read]\n", 1)
    manifest.write_text(text)
    preview = run_cli("import", "openapi", str(repo / "apis" / "payments.json"), "--operation", "refunds.get",
                      "--merge", str(manifest), "--diff")
    assert preview.exit_code == 0 and manifest.read_text() == text  # --diff writes nothing
    assert "+      description: Show refund details" in preview.stdout
    result = run_cli("import", "openapi", str(repo / "apis" / "payments.json"), "--operation", "refunds.get",
                     "--merge", str(manifest))
    tool = yaml.safe_load(manifest.read_text())["spec"]["tools"][0]
    assert tool["access"] == "write" and tool["scopes"] == ["payments:read"]
    assert tool["description"] == "Show refund details"
    assert "- name: refunds.get  # ours" in manifest.read_text()
    given = repo / "apis" / "payments.json"
    assert f"spec.tools[refunds.get].access: the manifest says write, {given} says read" in result.stderr
    assert "spec.tools[refunds.get].scopes: the manifest says [payments:read]" in result.stderr


def test_check_never_imports_ruamel(tmp_path: Path) -> None:
    import subprocess

    code = ("import sys\nfrom ccaudit.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print('ruamel' in ' '.join(sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, "check", "tests/fixtures/controls/CCA009.yaml"],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.splitlines()[-1] == "False"


# ---- source files in check: bounded, inside the repository, read once -----------------------

MANIFEST = """\
apiVersion: ccaudit/v1
kind: AgentDeployment
metadata: {{name: {name}, owner: cx}}
spec:
  dataCategories: [contact]
  tools:
{tools}
"""


def _tool(name: str, source: str) -> str:
    return f"    - name: {name}\n      access: delete\n      source: {{openapi: {source}, operation: op}}\n"


def _hostile(repo: Path, outside: Path) -> dict[str, str]:
    """name -> the path a manifest names, for each case of quality.md's robustness list."""
    files = {"syntax.yaml": b"openapi: [3.0\n", "utf8.yaml": b"openapi: 3.0.0\ninfo: \xff\xfe\n",
             "bomb.yaml": b"a: &a [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
                 b"%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n"
                 % ((bytes([98 + i]),) * 2 + (bytes([97 + i]),) * 10)
                 for i in range(8)),
             "deep.yaml": b"openapi: " + b"[" * 10_000 + b"]" * 10_000 + b"\n"}
    for name, data in files.items():
        (repo / "apis" / name).write_bytes(data)
    with open(repo / "apis" / "huge.yaml", "wb") as handle:
        handle.write(b"openapi: 3.0.0\n" + b"#" * (50 * 1024 * 1024) + b"\n")
    os.mkfifo(repo / "apis" / "fifo.yaml")
    (outside / "secret.yaml").write_text("openapi: 3.0.0\npaths: {}\n")
    os.symlink(outside / "secret.yaml", repo / "apis" / "link.yaml")
    os.symlink("/dev/zero", repo / "apis" / "zero.yaml")
    names = (*files, "huge.yaml", "fifo.yaml", "link.yaml", "zero.yaml")
    cases = {name.split(".")[0]: f"apis/{name}" for name in names}
    cases["parent"] = "../outside/secret.yaml"
    cases["missing"] = "apis/missing.yaml"
    return cases


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_hostile_source_files_are_cca001_at_the_source_key_and_the_run_goes_on(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    (repo / ".git").mkdir(parents=True)
    (repo / "apis").mkdir()
    outside.mkdir()
    cases = _hostile(repo, outside)
    tools = "".join(_tool(name, path) for name, path in cases.items())
    (repo / "agent.yaml").write_text(MANIFEST.format(name="hostile", tools=tools))
    (repo / "other.yaml").write_text(MANIFEST.format(name="other", tools=_tool("t", "apis/missing.yaml")))
    code, report = check_json("--select", "CCA001", "--select", "CCA009", str(repo / "agent.yaml"),
                              str(repo / "other.yaml"))
    assert code == 1
    lines = (repo / "agent.yaml").read_text().splitlines()
    source_lines = {i + 1 for i, line in enumerate(lines) if line.strip().startswith("source:")}
    found = {(f["line"], f["id"]) for f in report["findings"] if f["file"].endswith("agent.yaml")}
    assert found == {(line, "CCA001") for line in source_lines}  # one each, at its source key
    messages = " ".join(f["message"] for f in report["findings"])
    for reason in ("YAML syntax error", "invalid UTF-8", "aliases expand", "nesting", "larger than the 5 MiB",
                   "not a regular file (a FIFO)", "leads outside the repository", "No such file"):
        assert reason in messages, reason
    assert any(f["file"].endswith("other.yaml") for f in report["findings"])  # the next file was checked


def test_each_source_file_is_loaded_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ccaudit.importers import sources
    from ccaudit.loader import LoadedFile

    repo = _repo(tmp_path)
    for i in range(5):
        (repo / f"agent{i}.yaml").write_text(MANIFEST.format(name=f"a{i}", tools="".join(
            _tool(f"t{j}", "apis/payments.json") for j in range(3))))
    reads: list[str] = []
    real = sources.read_file

    def counted(path: str, limit: int) -> LoadedFile:
        reads.append(path)
        return real(path, limit)

    monkeypatch.setattr(sources, "read_file", counted)
    code, report = check_json("-j", "1", "--select", "CCA009", str(repo))
    assert code == 1
    assert reads == [str((repo / "apis" / "payments.json").resolve())]
    assert len([f for f in report["findings"] if f["id"] == "CCA009"]) == 15  # operation `op` is in no manifest's file
    check_json("-j", "1", "--select", "CCA009", str(repo))
    assert len(reads) == 2  # a new run reads it again (it may have changed)


def test_a_url_or_an_absolute_path_as_source_is_a_schema_violation(write: Any) -> None:
    path = write("agent.yaml", MANIFEST.format(name="u", tools=_tool("t", "https://example.com/api.yaml")
                                               + _tool("u", "/etc/api.yaml")))
    _, report = check_json("--select", "CCA002", "--select", "CCA001", path)
    assert [(f["id"], f["line"]) for f in report["findings"]] == [("CCA002", 9), ("CCA002", 12)]
