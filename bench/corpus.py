"""Deterministic corpus of agent deployment manifests for the benchmark harness.

    python bench/corpus.py DIR [--files N] [--seed S]

File ``i`` depends only on ``(seed, i)``, so the corpus of 100 files is the first 100 files
of the corpus of 10,000. The mix (by file): ~86% one manifest of about 120 lines / 3.4 KB,
~5% multi-document files (two manifests, or a manifest after a Kubernetes document), ~8%
other YAML (Kubernetes Deployment, ConfigMap, GitHub workflow, docker compose) that
ccaudit must skip, ~1% Helm templates that do not parse (also skipped). About one manifest
in five is fully compliant; the others carry one to four problems drawn from ``PROBLEMS``.
File 0 is always a plain manifest (the one-file start-up case).
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
Tree = dict[str, Any]


class Raw(str):
    """Emitted verbatim (a `yes` where a boolean belongs, a mistyped value)."""


DUP = "\x00dup"  # a key ending in DUP is emitted without it: a repeated key


def _regions() -> dict[str, list[str]]:
    with open(REPO / "rulesets" / "regions.yaml", encoding="utf-8") as f:
        table = yaml.load(f, Loader=yaml.CSafeLoader)["regions"]
    return {provider: sorted(names) for provider, names in table.items()}


REGIONS = _regions()
SENSITIVE = ["authentication", "payment_card", "financial", "government_id", "phi",
             "special_category", "biometric", "precise_geolocation", "children"]
SUBJECTS = [["EU", "US-CA", "US"], ["US"], ["US-CA"], ["EU"], ["DE", "FR"], ["GB", "IE"],
            ["US", "CA"], ["US-TX", "US-NY"], ["EEA"], ["JP"], ["US", "DE"], ["BR", "MX"]]
WORDS = ["billing", "claims", "orders", "support", "returns", "travel", "telco", "banking",
         "pharmacy", "insurance", "utility", "retail", "loyalty", "shipping", "care"]
TEAMS = ["cx-platform", "member-services", "contact-center", "ai-ops", "digital-care"]
TOOL_KINDS: list[tuple[str, str, list[str], list[str], list[str]]] = [
    # (system.verb, access, actions, fields, categories)
    ("crm.lookup_customer", "read", [], ["name", "email", "lastOrderId"], ["contact", "account"]),
    ("crm.update_address", "write", ["account_change"], ["postalAddress"], ["contact"]),
    ("billing.issue_refund", "write", ["refund"], ["orderId", "amount"], ["account"]),
    ("billing.take_payment", "write", ["payment"], ["orderId", "amount", "cardToken"], ["payment_card"]),
    ("ehr.read_claim_status", "read", [], ["claimId", "status", "lastUpdated"], ["phi"]),
    ("idp.reset_password", "write", ["credential_reset"], ["userId"], ["authentication"]),
    ("loans.read_balance", "read", [], ["loanId", "balance"], ["financial"]),
    ("kyc.verify_document", "read", [], ["documentType", "documentNumber"], ["government_id"]),
    ("orders.track_shipment", "read", [], ["orderId", "carrier", "eta"], ["account"]),
    ("geo.nearest_store", "read", [], ["storeId", "distance"], ["precise_geolocation"]),
]
VENDOR_KINDS = [("llm", "language model"), ("stt", "speech to text"), ("crm", "CRM SaaS"),
                ("siem", "audit log sink"), ("analytics", "conversation analytics")]


def _pick_region(rng: random.Random) -> str:
    provider = rng.choice(["aws", "aws", "gcp", "azure"])
    return f"{provider}:{rng.choice(REGIONS[provider])}"


def _tool(rng: random.Random, kind: tuple[str, str, list[str], list[str], list[str]], n: int) -> Tree:
    name, access, actions, fields, categories = kind
    system, verb = name.split(".")
    tool: Tree = {"name": name if n == 0 else f"{name}_{n}",
                  "description": f"{verb.replace('_', ' ').capitalize()} in {system} for the verified caller.",
                  "access": access}
    if actions or rng.random() < 0.5:
        tool["actions"] = list(actions)
    tool |= {"scopes": [f"{system}:{verb.split('_')[-1]}:{access}"], "fields": list(fields),
             "dataCategories": list(categories)}
    if access == "read":
        tool["approval"] = "never"
    elif rng.random() < 0.5:
        tool |= {"approval": "conditional", "approvalCondition": f"amount > {rng.choice([20, 50, 100])}"}
    else:
        tool["approval"] = "always"
    tool |= {"requiresVerifiedCustomer": True, "maxRecordsPerCall": 1,
             "auth": {"type": rng.choice(["oauth2", "mtls", "iam"]), "credential": "short_lived",
                      "onBehalfOfCustomer": True}}
    return tool


def _vendor(rng: random.Random, kind: tuple[str, str], receives: list[str]) -> Tree:
    return {"name": f"{rng.choice(['acme', 'nimbus', 'vox', 'orbit', 'quill'])}-{kind[0]}",
            "purpose": kind[1], "role": "processor",
            "regions": sorted({_pick_region(rng) for _ in range(rng.randint(1, 2))}),
            "receives": receives,
            "agreements": {"dpa": True, "baa": True, "ccpaTerms": True, "transferMechanism": "scc"},
            "trainingOnCustomerData": False,
            "retentionDays": 2192 if kind[0] == "siem" else rng.choice([0, 0, 7, 30]),
            "breachNoticeHours": rng.choice([24, 48, 72]),
            "certifications": rng.sample(["soc2_type2", "iso27001", "hitrust", "pci_dss"], rng.randint(1, 2))}


def compliant_manifest(rng: random.Random, index: int) -> Tree:
    """A manifest built to pass every control (the problems are added afterwards)."""
    kinds = rng.sample(TOOL_KINDS, rng.choices([1, 2, 3, 4, 5], [5, 4, 2, 1, 1])[0])
    tools = [_tool(rng, kind, 0) for kind in kinds]
    categories = sorted({c for t in tools for c in t["dataCategories"]} | {"contact"})
    vendor_kinds = [VENDOR_KINDS[0], *rng.sample(VENDOR_KINDS[1:], rng.choices([0, 1, 2], [5, 4, 1])[0])]
    vendors = [_vendor(rng, kind, sorted(rng.sample(categories, rng.randint(1, len(categories)))))
               for kind in vendor_kinds]
    for i, v in enumerate(vendors):  # names must be unique
        v["name"] = f"{v['name']}-{i}" if any(w["name"] == v["name"] for w in vendors[:i]) else v["name"]
    sensitive = [c for c in categories if c in SENSITIVE]
    channels = rng.choice([["voice", "chat"], ["chat"], ["voice"], ["chat", "email"], ["voice", "chat", "sms"]])
    name = f"{rng.choice(WORDS)}-{rng.choice(['voice', 'chat', 'omni'])}-agent-{index}"
    spec: Tree = {
        "organization": {"hipaaRole": "business_associate" if "phi" in categories else "none",
                         "ccpaBusiness": True, "euEstablishment": rng.random() < 0.3},
        "dataSubjects": rng.choice(SUBJECTS), "regulations": [], "channels": channels,
        "dataCategories": categories, "vendors": vendors,
        "models": [{"name": "primary", "vendor": vendors[0]["name"], "model": f"large-{rng.randint(2025, 2026)}"}],
        "tools": tools,
        "authentication": {"customerVerification": rng.choice(["otp", "mfa"]), "stepUpFor": sensitive},
        "retention": {"transcriptsDays": rng.choice([7, 30, 90]), "recordingsDays": rng.choice([7, 30]),
                      "auditLogsDays": 2192, "auditLogsHotDays": 90, "legalHold": True},
        "logging": {"toolCalls": True, "routingDecisions": True, "escalations": True, "approvals": True,
                    "guardrailEvents": True, "reasoning": "redacted", "immutable": True, "pseudonymized": True,
                    "redaction": categories, "sinks": [vendors[-1]["name"]], "reviewIntervalDays": 1},
        "guardrails": {"promptInjection": True, "outputFilter": categories,
                       "confidenceThreshold": rng.choice([0.7, 0.8, 0.85]),
                       "lowConfidenceAction": "escalate_to_human", "aiDisclosure": True},
        "humanOversight": {"handoffAvailable": True, "reviewSampleRate": rng.choice([0.02, 0.05, 0.1])},
        "automatedDecisions": [{"name": "refund-eligibility", "significant": False, "humanReview": True}],
        "monitoring": {"anomalyAlerts": True, "driftDetection": True, "redTeamingIntervalDays": 90},
        "incidentResponse": {"authorityNotificationHours": 72, "individualNotificationDays": 30},
        "dataSubjectRights": {"responseDays": 30, "deletionPropagatesToVendors": True,
                              "optOutOfSaleSharing": True, "honorsGlobalPrivacyControl": True},
        "governance": {"dpia": f"docs/dpia-{name}.pdf", "recordOfProcessing": "docs/ropa.xlsx"},
        "residency": {"allowedRegions": sorted({r for v in vendors for r in v["regions"]})},
    }
    if "payment_card" in categories:
        spec["payments"] = {"captureMode": "dtmf_masking"}
    spec["adminAccess"] = {"mfa": True}
    return {"apiVersion": "ccaudit/v1", "kind": "AgentDeployment",
            "metadata": {"name": name, "owner": rng.choice(TEAMS),
                         "description": f"Handles {name.split('-')[0]} questions for customers.",
                         "labels": {"env": rng.choice(["prod", "staging"])}},
            "spec": spec}


# Problems: each breaks one or two controls, the way real manifests go wrong.
def _write_without_approval(m: Tree, rng: random.Random) -> None:
    m["spec"]["tools"].append(_tool(rng, TOOL_KINDS[2], len(m["spec"]["tools"])) | {"approval": "never"})
    m["spec"]["tools"][-1].pop("approvalCondition", None)


def _wildcard_scope(m: Tree, rng: random.Random) -> None:
    rng.choice(m["spec"]["tools"])["scopes"] = ["crm:*"]


def _whole_record(m: Tree, rng: random.Random) -> None:
    rng.choice(m["spec"]["tools"])["fields"] = ["*"]


def _no_baa(m: Tree, rng: random.Random) -> None:
    vendor = rng.choice(m["spec"]["vendors"])
    vendor["agreements"].pop("baa")
    vendor["agreements"].pop("dpa")
    vendor["receives"] = sorted(set(vendor["receives"]) | {"phi"})


def _trains(m: Tree, rng: random.Random) -> None:
    rng.choice(m["spec"]["vendors"])["trainingOnCustomerData"] = True


def _yes_boolean(m: Tree, rng: random.Random) -> None:
    m["spec"]["logging"]["toolCalls"] = Raw(rng.choice(["yes", "Yes", "on"]))


def _typo_key(m: Tree, rng: random.Random) -> None:
    logging = m["spec"]["logging"]
    logging["toolcalls"] = logging.pop("toolCalls")


def _duplicate_key(m: Tree, rng: random.Random) -> None:
    m["spec"]["retention"]["transcriptsDays" + DUP] = 3650


def _unknown_region(m: Tree, rng: random.Random) -> None:
    rng.choice(m["spec"]["vendors"])["regions"].append("aws:mars-north-1")


def _short_audit_logs(m: Tree, rng: random.Random) -> None:
    m["spec"]["retention"]["auditLogsDays"] = 365


def _unbounded_transcripts(m: Tree, rng: random.Random) -> None:
    m["spec"]["retention"]["transcriptsDays"] = rng.choice([-1, "indefinite"])


def _no_monitoring(m: Tree, rng: random.Random) -> None:
    del m["spec"]["monitoring"]


def _unknown_model_vendor(m: Tree, rng: random.Random) -> None:
    m["spec"]["models"][0]["vendor"] = "openai-direct"


def _weak_auth(m: Tree, rng: random.Random) -> None:
    rng.choice(m["spec"]["tools"])["auth"] = {"type": "api_key", "credential": "static"}


def _unbounded_records(m: Tree, rng: random.Random) -> None:
    del rng.choice(m["spec"]["tools"])["maxRecordsPerCall"]


def _mutable_logs(m: Tree, rng: random.Random) -> None:
    m["spec"]["logging"]["immutable"] = False


def _wrong_type(m: Tree, rng: random.Random) -> None:
    m["spec"]["dataSubjectRights"]["responseDays"] = "thirty"


def _weak_verification(m: Tree, rng: random.Random) -> None:
    m["spec"]["authentication"]["customerVerification"] = "knowledge"


PROBLEMS: list[Callable[[Tree, random.Random], None]] = [
    _write_without_approval, _wildcard_scope, _whole_record, _no_baa, _trains, _yes_boolean, _typo_key,
    _duplicate_key, _unknown_region, _short_audit_logs, _unbounded_transcripts, _no_monitoring,
    _unknown_model_vendor, _weak_auth, _unbounded_records, _mutable_logs, _wrong_type, _weak_verification]


def manifest(rng: random.Random, index: int) -> Tree:
    m = compliant_manifest(rng, index)
    if rng.random() >= 0.2:
        for problem in rng.sample(PROBLEMS, rng.choices([1, 2, 3, 4], [4, 3, 2, 1])[0]):
            problem(m, rng)
    return m


# A small block-style emitter, so files look hand-written: flow lists of scalars, block
# mappings, quoted strings only where YAML needs them.
def _scalar(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    plain = (_PLAIN.fullmatch(text) and ": " not in text and not text.endswith((":", " "))
             and text.lower() not in _RESERVED)
    return text if plain else f'"{text}"'


_PLAIN = re.compile(r"[A-Za-z_./][A-Za-z0-9_./:' -]*")
_RESERVED = {"yes", "no", "on", "off", "y", "n", "true", "false", "null"}


def emit(tree: Tree, indent: int = 0) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key, value in tree.items():
        key = key.removesuffix(DUP)
        if isinstance(value, dict):
            if indent and len(value) == 1 and not isinstance(next(iter(value.values())), (dict, list)):
                lines.append(f"{pad}{key}: {{{', '.join(f'{k}: {_scalar(v)}' for k, v in value.items())}}}")
            else:
                lines.append(f"{pad}{key}:")
                lines.extend(emit(value, indent + 2))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{pad}{key}:")
            for item in value:
                body = emit(item, indent + 4)
                lines.append(f"{pad}  - {body[0].lstrip()}")
                lines.extend(body[1:])
        elif isinstance(value, list):
            lines.append(f"{pad}{key}: [{', '.join(_scalar(v) for v in value)}]")
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return lines


def manifest_text(m: Tree) -> str:
    head = ["# yaml-language-server: $schema=../schemas/manifest.schema.json",
            f"# {m['metadata']['description']} Owned by {m['metadata']['owner']}."]
    return "\n".join(head + emit(m)) + "\n"


def kubernetes_deployment(rng: random.Random, index: int) -> str:
    name = f"{rng.choice(WORDS)}-api-{index}"
    env = "\n".join(f"            - name: {k}\n              value: \"{v}\"" for k, v in
                    [("LOG_LEVEL", rng.choice(["info", "debug"])), ("REGION", _pick_region(rng)),
                     ("WORKERS", rng.randint(1, 8)), ("FEATURE_FLAGS", "agent,handoff")])
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: contact-center
  labels:
    app: {name}
    tier: backend
spec:
  replicas: {rng.randint(1, 6)}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: {name}
          image: registry.example.com/{name}:{rng.randint(1, 40)}.{rng.randint(0, 9)}.0
          ports:
            - containerPort: 8080
          env:
{env}
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 512Mi}}
          readinessProbe:
            httpGet: {{path: /healthz, port: 8080}}
            periodSeconds: 10
"""


def other_yaml(rng: random.Random, index: int) -> str:
    kind = rng.choice(["deployment", "deployment", "configmap", "workflow", "compose"])
    if kind == "deployment":
        return kubernetes_deployment(rng, index)
    if kind == "configmap":
        data = "\n".join(f"  key{i}: \"{rng.randint(0, 10**6)}\"" for i in range(rng.randint(5, 30)))
        return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{index}\ndata:\n{data}\n"
    if kind == "workflow":
        return f"""name: ci-{index}
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python: ["3.11", "3.12", "3.13"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{{{ matrix.python }}}}
      - run: pip install -e .[test]
      - run: pytest -q
      - run: ccaudit check -f github manifests/
"""
    return f"""services:
  agent:
    image: registry.example.com/agent:{rng.randint(1, 9)}
    ports: ["8080:8080"]
    environment:
      REGION: {_pick_region(rng)}
      LOG_LEVEL: info
  redis:
    image: redis:7
"""


HELM = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-agent
  labels:
    {{- include "agent.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
"""


def file_text(seed: int, index: int) -> tuple[str, str]:
    """(file name, text) of file ``index``: deterministic in (seed, index)."""
    rng = random.Random(f"{seed}:{index}")
    roll = 0.0 if index == 0 else rng.random()
    stem = f"{index:05d}"
    if roll < 0.86:
        return f"{stem}-agent.yaml", manifest_text(manifest(rng, index))
    if roll < 0.91:
        first = manifest_text(manifest(rng, index)) if rng.random() < 0.5 else kubernetes_deployment(rng, index)
        return f"{stem}-bundle.yaml", first + "---\n" + manifest_text(manifest(rng, index + 100_000))
    if roll < 0.99:
        return f"{stem}-other.{rng.choice(['yaml', 'yml'])}", other_yaml(rng, index)
    return f"{stem}-helm.yaml", HELM


def write_corpus(folder: Path, files: int, seed: int = 5) -> Path:
    """Write files 0..files-1 into folder (created); returns folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(files):
        name, text = file_text(seed, index)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    write_corpus(args.folder, args.files, args.seed)


if __name__ == "__main__":
    main()
