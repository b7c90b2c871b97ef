"""One status per indicator from its three judgements: RAG against the target, the SPC
variation of its latest point, and its benchmark against the county (or board area).

The rule, shown on the About page:
1. With a target, RAG leads: Red is "Act", Amber is "Watch", Green is "On track", except that
   Green becomes "Watch" when the latest point is concerning special-cause variation or the
   area is significantly worse than its benchmark: the target is met, but the numbers are
   moving the wrong way or sit worse than the comparison.
2. Without a target, the evidence decides: concerning variation and a significantly worse
   benchmark together are "Act"; either alone is "Watch"; neither is "On track".
3. Indicators where more reporting can be a success (neutral polarity) get no status of
   their own without a target ("No judgement"): their variation and benchmark are still shown
   as higher or lower, not better or worse.
4. With nothing to judge (no target, too few points, no interval), "No judgement".
"""
from __future__ import annotations

STATUS_RULE = [
    "With a target, RAG leads: Red is **Act**, Amber is **Watch**, Green is **On track**, "
    "except that Green becomes **Watch** when the latest point is concerning special-cause "
    "variation or the area is significantly worse than its benchmark: the target is met, but "
    "the numbers are moving the wrong way or sit worse than the comparison.",
    "Without a target, the evidence decides: concerning variation and a significantly worse "
    "benchmark together are **Act**; either alone is **Watch**; neither is **On track**.",
    "Indicators where more reporting can be a success (domestic abuse, hate crime) get no "
    "status of their own without a target (**No judgement**): their variation and benchmark "
    "are still shown, as higher or lower rather than better or worse.",
    "With nothing to judge (no target, too few points for SPC, no interval), **No judgement**.",
]
STATUSES = ("On track", "Watch", "Act", "No judgement")
STATUS_TEXT = {"On track": "🟢 On track", "Watch": "🟠 Watch", "Act": "🔴 Act",
               "No judgement": "⚪ No judgement"}
_RAG_LEVEL = {"Green": 0, "Amber": 1, "Red": 2}


def combine_status(rag: str | None, variation: str | None, benchmark: str | None,
                   polarity: str) -> str:
    """The one status (see the module's rule).

    >>> combine_status("Green", "concern", "similar", "down_good")
    'Watch'
    >>> combine_status(None, "concern", "worse", "down_good")
    'Act'
    >>> combine_status(None, "neither", "higher", "neutral")
    'No judgement'
    """
    concern = variation == "concern"
    worse = benchmark == "worse"
    if rag in _RAG_LEVEL:
        level = _RAG_LEVEL[rag]
        if level == 0 and (concern or worse):
            level = 1
        return STATUSES[level]
    if polarity == "neutral":
        return "No judgement"
    evidence = variation in ("concern", "improvement", "common") or \
        benchmark in ("better", "similar", "worse")
    if not evidence:
        return "No judgement"
    return STATUSES[int(concern) + int(worse)]
