"""The significance test of a change on a year earlier, checked against the same intervals
worked out another way: the exact interval of a ratio of Poisson counts by bisection on
binomial tail sums (whole-number arithmetic, no beta function), and Newcombe's interval for
a difference of proportions against the worked examples in his 1998 paper."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from metrics.change_test import (
    HIGHER,
    LOWER,
    MIN_COUNT,
    SAME,
    proportion_difference_test,
    rate_ratio_test,
)


def binomial_tail(successes: int, trials: int, p: float, upper: bool) -> float:
    """P(X >= successes) (upper) or P(X <= successes) for X ~ Binomial(trials, p)."""
    chosen = range(successes, trials + 1) if upper else range(0, successes + 1)
    return float(sum(Fraction(math.comb(trials, k)) * Fraction(p) ** k
                     * Fraction(1 - p) ** (trials - k) for k in chosen))


def clopper_pearson(successes: int, trials: int) -> tuple[float, float]:
    """The exact 95% interval for a binomial proportion, by bisection on its tails."""
    def solve(upper_tail: bool) -> float:
        low, high = 0.0, 1.0
        for _ in range(60):
            mid = (low + high) / 2
            tail = binomial_tail(successes, trials, mid, upper_tail)
            # The lower limit: P(X >= k) rises with p; the upper: P(X <= k) falls with p.
            if (tail < 0.025) == upper_tail:
                low = mid
            else:
                high = mid
        return (low + high) / 2
    return (0.0 if successes == 0 else solve(True),
            1.0 if successes == trials else solve(False))


CASES = [(a, b) for a in range(0, 11) for b in range(0, 11) if a + b >= MIN_COUNT] + \
    [(15, 5), (40, 60), (120, 80)]


@pytest.mark.parametrize("now, before", CASES)
def test_the_rate_ratio_interval_is_the_exact_poisson_one(now, before):
    test = rate_ratio_test(now, before)
    share_low, share_high = clopper_pearson(now, now + before)

    def ratio(share):
        return math.inf if share >= 1 else share / (1 - share)

    assert test.low == pytest.approx(ratio(share_low), rel=1e-6, abs=1e-9)
    if before == 0:
        assert math.isinf(test.high)
    else:
        assert test.high == pytest.approx(ratio(share_high), rel=1e-6)
    expected = HIGHER if test.low > 1 else LOWER if test.high < 1 else SAME
    assert test.verdict == expected


def test_the_rate_ratio_is_adjusted_for_each_periods_population():
    """The same counts among more people now are a lower rate: the ratio and its interval
    scale by the populations."""
    plain, adjusted = rate_ratio_test(120, 100), rate_ratio_test(120, 100, 1200, 1000)
    assert adjusted.estimate == pytest.approx(1.0)
    assert adjusted.low == pytest.approx(plain.low / 1.2)
    assert adjusted.high == pytest.approx(plain.high / 1.2)


def test_too_few_to_test():
    assert rate_ratio_test(4, 5) is None  # 9 events in the two periods
    assert rate_ratio_test(5, 5) is not None
    assert proportion_difference_test(3, 9, 5, 40) is None  # 9 people asked now


@pytest.mark.parametrize("now, before, low, high", [
    ((56, 70), (48, 80), 0.0524, 0.3339),  # Newcombe (1998), Table II, method 10
    ((9, 10), (3, 10), 0.1705, 0.8090),
    ((10, 10), (0, 20), 0.6791, 1.0),
])
def test_the_difference_of_two_proportions_matches_newcombe(now, before, low, high):
    test = proportion_difference_test(*now, *before)
    assert test.low / 100 == pytest.approx(low, abs=5e-5)
    assert test.high / 100 == pytest.approx(high, abs=5e-5)
    assert test.verdict == HIGHER


@pytest.mark.parametrize("counts, polarity, judged", [
    ((150, 100), "down_good", "worse"), ((150, 100), "up_good", "better"),
    ((100, 150), "down_good", "better"), ((150, 100), "neutral", "neither"),
    ((105, 100), "down_good", "same"),
])
def test_a_significant_change_is_read_by_the_indicators_polarity(counts, polarity, judged):
    assert rate_ratio_test(*counts).judged(polarity) == judged
