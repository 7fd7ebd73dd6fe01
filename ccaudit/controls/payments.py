"""8xx: payment cards (PCI DSS)."""

from __future__ import annotations

from collections.abc import Iterator

from ccaudit.controls.base import Context, Hit, snippet
from ccaudit.rulesets import ControlStandard

# Capture modes that keep the card data out of what is recorded (pause_resume: the recording
# is paused, although the agent still hears the card).
SAFE_CAPTURE = frozenset({"none", "dtmf_masking", "ivr_handoff", "pause_resume"})


def card_data_in_recordings(ctx: Context, std: ControlStandard) -> Iterator[Hit]:
    mode = ctx.section("payments").get("captureMode")
    if "payment_card" not in ctx.pd or "voice" not in ctx.channels() or mode in SAFE_CAPTURE:
        return
    path = ("spec", "payments", "captureMode")
    yield Hit(path, f"{ctx.describe(path, mode)} on a voice channel that handles payment_card; a spoken card number "
              "and security code end up in the audio, transcripts and recordings (use dtmf_masking, ivr_handoff "
              "or pause_resume)", snippet(ctx.spec, path, "dtmf_masking"))
