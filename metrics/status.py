"""One status per indicator, with a one-line reason, from all the evidence: RAG against the
target, whether the change on a year earlier is significant (metrics.change_test), the SPC
variation of the latest point, and the benchmark against the county (or board area).

The rule, shown on the About page and in the board pack (STATUS_RULE), in words:
1. A figure that is another area's (shown for context) or covers only part of its period
   gets no status.
2. The concerns are: a significant change for the worse on a year earlier, concerning
   special-cause variation, and being significantly worse than the benchmark. The
   improvements are a significant change for the better and improving special-cause
   variation.
3. With a target, RAG leads (Red: Act, Amber: Watch, Green: On track), but Green with any
   concern is Watch.
4. Without a target: two or more concerns are Act, one is Watch, none is On track. An
   improvement takes Act down to Watch, never Watch to On track, so a significant
   deterioration never reads On track.
5. Indicators where more reporting can be a success (neutral polarity) get no status without
   a target; their changes read higher or lower.
6. With nothing to judge, no status, and the reason names what is missing.
"""
from __future__ import annotations

from dataclasses import dataclass

STATUS_RULE = [
    "A figure that is another area's (shown for context) or covers only part of its period "
    "gets **No judgement**.",
    "The concerns are a significant change for the worse on a year earlier, concerning "
    "special-cause variation and being significantly worse than the benchmark; the "
    "improvements are a significant change for the better and improving special-cause "
    "variation.",
    "With a target, RAG leads: Red is **Act**, Amber **Watch**, Green **On track**, but "
    "Green with any concern is **Watch**.",
    "Without a target, two or more concerns are **Act**, one is **Watch**, none is "
    "**On track**. An improvement takes Act down to Watch, never Watch to On track, so a "
    "significant deterioration never reads On track.",
    "Indicators where more reporting can be a success (domestic abuse, hate crime) get "
    "**No judgement** without a target: their changes, variation and benchmark read higher "
    "or lower rather than better or worse.",
    "With nothing to judge (no target, no change that can be tested, too few points for SPC, "
    "no benchmark), **No judgement**, and the reason says so.",
]
STATUSES = ("On track", "Watch", "Act", "No judgement")
STATUS_TEXT = {"On track": "🟢 On track", "Watch": "🟠 Watch", "Act": "🔴 Act",
               "No judgement": "⚪ No judgement"}
_RAG_LEVEL = {"Green": 0, "Amber": 1, "Red": 2}


@dataclass(frozen=True)
class Evidence:
    """What one indicator's status is decided from.

    ``change``: the significance test's reading by polarity (better, worse, same, neither)
    or None when untested; ``change_words``: the change as said in the reason ('up 12.8% on
    a year earlier'); ``benchmark_name``: whom the benchmark is; ``not_judged``: why the
    figure gets no status at all (a stand-in, a part period), or None."""

    rag: str | None
    change: str | None
    variation: str | None
    benchmark: str | None
    polarity: str
    change_words: str = "the change on a year earlier"
    benchmark_name: str = "its benchmark"
    not_judged: str | None = None


def decide_status(evidence: Evidence) -> tuple[str, str]:
    """(the status, its one-line reason).

    >>> decide_status(Evidence(None, "worse", "common", "similar", "down_good",
    ...                        "up 12.8% on a year earlier"))
    ('Watch', 'up 12.8% on a year earlier, significantly')
    >>> decide_status(Evidence("Green", "same", "concern", None, "down_good"))[0]
    'Watch'
    >>> decide_status(Evidence(None, None, "too few", None, "down_good"))
    ('No judgement', 'no target, no change that can be tested, too few points for SPC and no benchmark')
    """
    e = evidence
    if e.not_judged:
        return "No judgement", e.not_judged
    concerns = [text for held, text in (
        (e.change == "worse", f"{e.change_words}, significantly"),
        (e.variation == "concern", "concerning special-cause variation"),
        (e.benchmark == "worse", f"significantly worse than {e.benchmark_name}"))
        if held]
    improvements = [text for held, text in (
        (e.change == "better", f"{e.change_words}, significantly"),
        (e.variation == "improvement", "improving special-cause variation")) if held]
    if e.rag in _RAG_LEVEL:
        level = _RAG_LEVEL[e.rag]
        if level == 0 and concerns:
            return "Watch", f"target met, but {_joined(concerns)}"
        met = {"Green": "target met", "Amber": "target narrowly missed",
               "Red": "target missed"}[e.rag]
        return STATUSES[level], _joined([met, *concerns])
    if e.polarity == "neutral":
        return "No judgement", ("no target, and more reporting can be a success"
                                + (f": {e.change_words}, significantly"
                                   if e.change == "neither" else ""))
    tested = [e.change in ("better", "worse", "same"),
              e.variation in ("concern", "improvement", "common", "neither"),
              e.benchmark in ("better", "similar", "worse")]
    if not any(tested):
        return "No judgement", _missing(e)
    if len(concerns) >= 2:
        if improvements:
            return "Watch", f"{_joined(concerns)}; but {_joined(improvements)}"
        return "Act", _joined(concerns)
    if concerns:
        return "Watch", _joined(concerns) + (f"; but {_joined(improvements)}"
                                             if improvements else "")
    return "On track", _joined(improvements or _reassurances(e))


def _reassurances(e: Evidence) -> list[str]:
    """What was checked and found no concern, for an On track reason."""
    said = []
    if e.change == "same":
        said.append("no significant change on a year earlier")
    if e.variation in ("common", "neither"):
        said.append("common-cause variation" if e.variation == "common"
                    else "special-cause variation with no good direction")
    if e.benchmark in ("better", "similar"):
        said.append(f"{'better than' if e.benchmark == 'better' else 'similar to'} "
                    f"{e.benchmark_name}")
    return said


def _missing(e: Evidence) -> str:
    return _joined(["no target", "no change that can be tested",
                    "too few points for SPC" if e.variation == "too few"
                    else "no SPC", "no benchmark"], last=" and ")


def _joined(parts: list[str], last: str = "; ") -> str:
    if len(parts) <= 1:
        return "".join(parts)
    if last == "; ":
        return "; ".join(parts)
    return ", ".join(parts[:-1]) + last + parts[-1]
