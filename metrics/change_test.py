"""Is a change on a year earlier real, or noise? The two periods compared never overlap (a
quarter with the same quarter a year earlier; a year to date or 12 months with those ending a
year earlier), so their counts are independent and can be tested against each other.

- Counts and rates: the ratio of the two periods' rates, with the exact 95% interval of a
  ratio of two Poisson counts (conditional on their sum, the first is binomial: its
  Clopper-Pearson interval, turned into a ratio and adjusted for each period's population).
- Percentages held with their denominators: the difference of the two proportions, with
  Newcombe's interval built from each proportion's Wilson interval (his method 10).

The change is significant when the interval leaves out no change (a ratio of 1, a difference
of 0). Fewer than MIN_COUNT events (or people) across the two periods are too few to test:
any interval would be so wide that "no significant change" would mislead.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .intervals import wilson_interval

MIN_COUNT = 10
LEVEL = 95
HIGHER, SAME, LOWER = "significantly higher", "no significant change", "significantly lower"


@dataclass(frozen=True)
class ChangeTest:
    """One test of a change. ``measure`` names what ``estimate`` and its interval are:
    'rate ratio' (now over a year earlier) or 'difference' (percentage points)."""

    measure: str
    estimate: float
    low: float
    high: float
    verdict: str  # HIGHER, SAME or LOWER

    def judged(self, polarity: str) -> str:
        """'better', 'worse', 'neither' (a real change on an indicator with no good
        direction) or 'same' (no significant change)."""
        if self.verdict == SAME:
            return "same"
        if polarity == "neutral":
            return "neither"
        return "better" if (self.verdict == HIGHER) == (polarity == "up_good") else "worse"

    @property
    def interval_text(self) -> str:
        """'ratio 1.13 (95% CI 1.02 to 1.25)' or '+3.1 points (95% CI -0.4 to +6.5)'."""
        if self.measure == "rate ratio":
            high = "no upper limit" if math.isinf(self.high) else f"{self.high:.2f}"
            return f"ratio {self.estimate:.2f} (95% CI {self.low:.2f} to {high})"
        return (f"{self.estimate:+.1f} points (95% CI {self.low:+.1f} to "
                f"{self.high:+.1f})")


def _beta_quantile(probability: float, a: float, b: float) -> float:
    """The ``probability`` quantile of a Beta(a, b) distribution."""
    from scipy.special import betaincinv  # imported when first tested, not at start-up

    return float(betaincinv(a, b, probability))


def _verdict(low: float, high: float, no_change: float) -> str:
    return HIGHER if low > no_change else LOWER if high < no_change else SAME


def rate_ratio_test(count_now: float, count_before: float, people_now: float = 1.0,
                    people_before: float = 1.0) -> ChangeTest | None:
    """The rate now over the rate a year earlier, each a count of events among so many people
    (both 1: a ratio of counts), with its exact 95% interval; None when the two counts add
    to fewer than MIN_COUNT. Counts are rounded to whole events (a count read back from a
    rate and a population need not be whole).

    >>> test = rate_ratio_test(60, 40)
    >>> round(test.estimate, 2), round(test.low, 2), round(test.high, 2), test.verdict
    (1.5, 0.99, 2.3, 'no significant change')
    >>> rate_ratio_test(120, 80).verdict
    'significantly higher'
    >>> rate_ratio_test(3, 4) is None
    True
    """
    now, before = round(count_now), round(count_before)
    if now < 0 or before < 0 or now + before < MIN_COUNT or people_now <= 0 \
            or people_before <= 0:
        return None
    tail = (1 - LEVEL / 100) / 2
    # The share of all events that fall in the later period, and its exact interval.
    share_low = 0.0 if now == 0 else _beta_quantile(tail, now, before + 1)
    share_high = 1.0 if before == 0 else _beta_quantile(1 - tail, now + 1, before)
    scale = people_before / people_now

    def ratio(share: float) -> float:
        return math.inf if share >= 1 else share / (1 - share) * scale

    estimate = math.inf if before == 0 else now / before * scale
    low, high = ratio(share_low), ratio(share_high)
    return ChangeTest("rate ratio", estimate, low, high, _verdict(low, high, 1.0))


def proportion_difference_test(numerator_now: float, denominator_now: float,
                               numerator_before: float, denominator_before: float
                               ) -> ChangeTest | None:
    """The percentage now minus the percentage a year earlier, in percentage points, with
    Newcombe's 95% interval; None when either denominator is missing or under MIN_COUNT.

    >>> test = proportion_difference_test(56, 70, 48, 80)
    >>> round(test.estimate, 1), round(test.low, 1), round(test.high, 1), test.verdict
    (20.0, 5.2, 33.4, 'significantly higher')
    """
    values = (numerator_now, denominator_now, numerator_before, denominator_before)
    if any(v is None or (isinstance(v, float) and math.isnan(v)) for v in values):
        return None
    if min(denominator_now, denominator_before) < MIN_COUNT:
        return None
    now = numerator_now / denominator_now * 100
    before = numerator_before / denominator_before * 100
    low_now, high_now = wilson_interval(numerator_now, denominator_now)
    low_before, high_before = wilson_interval(numerator_before, denominator_before)
    difference = now - before
    low = difference - math.sqrt((now - low_now) ** 2 + (high_before - before) ** 2)
    high = difference + math.sqrt((high_now - now) ** 2 + (before - low_before) ** 2)
    return ChangeTest("difference", difference, low, high, _verdict(low, high, 0.0))

