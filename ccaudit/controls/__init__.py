"""The registry of controls: id -> check. Ids, slugs and docs live in rulesets/controls.yaml."""

from __future__ import annotations

from ccaudit.controls import (
    access,
    governance,
    inputs,
    logging,
    oversight,
    payments,
    retention,
    rights,
    sources,
    vendors,
)
from ccaudit.controls.base import Check, Context, Hit

# Controls that read values and are always on, whatever rulesets apply.
ALWAYS_ON: dict[str, Check] = {
    "CCA007": inputs.unknown_region,
    "CCA008": inputs.unknown_reference,
    "CCA009": sources.source_mismatch,
    "CCA010": sources.undeclared_mcp_server,
}

# Controls that run when an applicable ruleset requires them.
CONTROLS: dict[str, Check] = {
    "CCA101": access.wildcard_scope,
    "CCA102": access.write_without_approval,
    "CCA103": access.unrestricted_fields,
    "CCA104": access.undeclared_data_category,
    "CCA105": access.weak_backend_auth,
    "CCA106": access.unverified_sensitive_access,
    "CCA107": access.unbounded_records,
    "CCA201": logging.tool_calls_not_logged,
    "CCA202": logging.decisions_not_logged,
    "CCA203": logging.reasoning_not_logged,
    "CCA204": logging.mutable_audit_logs,
    "CCA205": logging.audit_log_retention_too_short,
    "CCA206": logging.unredacted_logs,
    "CCA207": logging.no_log_review,
    "CCA208": logging.unmonitored_access,
    "CCA301": retention.retention_unbounded,
    "CCA302": retention.identifiable_long_term_logs,
    "CCA303": retention.vendor_trains_on_data,
    "CCA304": retention.vendor_retention_unbounded,
    "CCA401": vendors.phi_without_baa,
    "CCA402": vendors.processor_without_dpa,
    "CCA403": vendors.ccpa_terms_missing,
    "CCA404": vendors.transfer_without_safeguard,
    "CCA405": vendors.vendor_breach_notice,
    "CCA406": vendors.region_outside_residency,
    "CCA501": oversight.no_prompt_injection_guard,
    "CCA502": oversight.output_filter_gap,
    "CCA503": oversight.no_confidence_escalation,
    "CCA504": oversight.significant_decision_without_review,
    "CCA505": oversight.no_human_handoff,
    "CCA506": oversight.no_conversation_review,
    "CCA601": rights.breach_notice_too_slow,
    "CCA602": rights.request_response_too_slow,
    "CCA603": rights.no_sale_opt_out,
    "CCA604": rights.deletion_not_propagated,
    "CCA701": governance.dpia_missing,
    "CCA702": governance.no_record_of_processing,
    "CCA703": governance.no_red_teaming,
    "CCA704": governance.no_drift_detection,
    "CCA801": payments.card_data_in_recordings,
    "CCA802": access.admin_without_mfa,
    "CCA803": vendors.card_vendor_without_attestation,
    "CCA901": oversight.no_ai_disclosure,
}

__all__ = ["ALWAYS_ON", "CONTROLS", "Check", "Context", "Hit"]
