"""Change on a year earlier, its direction read with the indicator's polarity, and RAG status
against the indicator's target rule.

RAG (DOMAIN.md's common rule): Green when the target is met; Amber when it is missed by no
more than 5% of the target (a threshold) or by no more than 5 percentage points of change (a
change target); Red beyond that; None (grey) when there is no target or no figure to judge.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass

from data_loaders.catalogue import TargetRule

ARROWS = {"up": "↑", "down": "↓", "same": "→"}
AMBER_MARGIN = 5.0
_OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def compute_change_pct(value: float | None, previous: float | None) -> float | None:
    """% change from ``previous`` to ``value``; None when either is missing or previous is 0.

    >>> round(compute_change_pct(1382, 1430), 1), compute_change_pct(5, 0)
    (-3.4, None)
    """
    if value is None or previous is None or previous == 0:
        return None
    return (value - previous) / abs(previous) * 100


@dataclass(frozen=True)
class Direction:
    """Which way a figure moved and what that means for the indicator."""

    movement: str  # up | down | same
    judgement: str  # better | worse | neither (neutral polarity) | same

    @property
    def arrow(self) -> str:
        return ARROWS[self.movement]

    @property
    def word(self) -> str:
        """Arrow and words, so no meaning rests on colour: '↓ down (better)'."""
        if self.movement == "same":
            return "→ no change"
        tail = {"better": " (better)", "worse": " (worse)", "neither": ""}[self.judgement]
        return f"{self.arrow} {self.movement}{tail}"


def compute_direction(change_pct: float | None, polarity: str) -> Direction | None:
    """Direction of a % change for an indicator of ``polarity`` (down_good, up_good,
    neutral). A change that rounds to 0.0% is no change.

    >>> compute_direction(-3.4, "down_good").word, compute_direction(6.7, "neutral").word
    ('↓ down (better)', '↑ up')
    """
    if change_pct is None:
        return None
    if round(change_pct, 1) == 0:
        return Direction("same", "same")
    movement = "up" if change_pct > 0 else "down"
    if polarity == "neutral":
        return Direction(movement, "neither")
    good = "up" if polarity == "up_good" else "down"
    return Direction(movement, "better" if movement == good else "worse")


def compute_rag(rule: TargetRule | None, value: float | None,
                comparison: float | None) -> str | None:
    """'Green', 'Amber', 'Red', or None when there is no rule or nothing to judge.
    ``comparison`` is the value the rule's change is measured against (a year earlier, or the
    baseline year's same period).

    >>> from data_loaders.catalogue import parse_target_rule
    >>> compute_rag(parse_target_rule("value < 40"), 37, None)
    'Green'
    >>> compute_rag(parse_target_rule("value < 40"), 41.5, None)
    'Amber'
    >>> compute_rag(parse_target_rule("change <= -5% vs last year"), 95.5, 100)
    'Amber'
    """
    if rule is None or value is None:
        return None
    if rule.subject == "value":
        actual, margin = value, abs(rule.number) * AMBER_MARGIN / 100
    else:
        actual = compute_change_pct(value, comparison)
        if actual is None:
            return None
        margin = AMBER_MARGIN
    if _OPS[rule.op](actual, rule.number):
        return "Green"
    return "Amber" if abs(actual - rule.number) <= margin else "Red"
