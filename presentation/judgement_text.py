"""The words and symbols for SPC variation, benchmarks and the one status, shared by the
scorecard, the theme pages and the presenter, so a judgement never rests on colour alone."""
from __future__ import annotations

from data_loaders import geography as geo
from metrics.formatting import format_change
from metrics.status import STATUS_TEXT

# Making Data Count's colours: blue improving, orange concerning, purple neither, grey common.
VARIATION_TEXT = {"improvement": "🔵 improving (special cause)",
                  "concern": "🟠 concerning (special cause)",
                  "neither": "🟣 special cause (no good direction)",
                  "common": "⚫ common cause (no significant change)",
                  "too few": "▫ too few points for SPC",
                  "not applicable": "▫ no SPC on rolling 12-month or yearly figures"}
RAG_TEXT = {"Green": "🟢 Green", "Amber": "🟠 Amber", "Red": "🔴 Red"}
BENCHMARK_WORDS = {"better": "better than", "worse": "worse than", "similar": "similar to",
                   "higher": "higher than", "lower": "lower than"}
BENCHMARK_SYMBOLS = {"better": "✔", "worse": "✖", "similar": "≈", "higher": "▲", "lower": "▼"}


def variation_text(variation: str | None) -> str:
    return VARIATION_TEXT.get(variation, "")


def benchmark_text(verdict: str | None, area_code: str | None) -> str:
    """'✔ better than Leicestershire', or '' when there is no verdict."""
    if not isinstance(verdict, str) or not isinstance(area_code, str):  # None or NaN
        return ""
    return f"{BENCHMARK_SYMBOLS[verdict]} {BENCHMARK_WORDS[verdict]} {geo.area_name(area_code)}"


def rag_text(rag: str | None) -> str:
    """'🟢 Green' etc., or '⚪ no target' when there is none (None or NaN)."""
    return RAG_TEXT.get(rag, "⚪ no target") if isinstance(rag, str) else "⚪ no target"


def status_text(status: str | None) -> str:
    return STATUS_TEXT.get(status, "")


def status_line(status: str | None, reason: str | None) -> str:
    """The status with its reason: '🟠 Watch: up 12.8% on a year earlier, significantly'."""
    text = status_text(status)
    return f"{text}: {reason}" if text and isinstance(reason, str) and reason else text


def significance_text(significance: str | None, untested: str | None) -> str:
    """Whether the change is real, in words ('significantly higher', 'no significant
    change'), or why it was not tested; '' when there is no change to test."""
    if isinstance(significance, str):
        return significance
    return f"not tested: {untested}" if isinstance(untested, str) else ""


def change_text(change_pct, direction, significance) -> str:
    """'+12.8% ↑ up (worse), significantly higher'; '' without a change."""
    if not isinstance(direction, str):
        return ""
    text = f"{format_change(change_pct)} {direction}"
    return f"{text}, {significance}" if isinstance(significance, str) else text
