"""Confidence intervals and benchmark comparisons as OHID Fingertips makes them: Byar's method
for counts and rates built on counts, Wilson's score method for percentages; an area is
better, similar or worse than a benchmark only when the benchmark's value lies outside the
area's interval. Indicators with no good direction read higher, similar or lower."""
from __future__ import annotations

import math

Z = {95: 1.959963985, 99.8: 3.090232306}


def byar_interval(count: float, level: float = 95) -> tuple[float, float]:
    """Byar's approximation to the exact Poisson interval for a count.

    >>> [round(x, 2) for x in byar_interval(10)]
    [4.79, 18.39]
    >>> byar_interval(0)[0]
    0.0
    """
    z = Z[level]
    lower = 0.0 if count == 0 else \
        count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    return lower, upper


def rate_interval(count: float, population: float, per: float = 1000,
                  level: float = 95) -> tuple[float, float]:
    """Byar's interval for a rate ``count`` / ``population`` x ``per``."""
    lower, upper = byar_interval(count, level)
    return lower / population * per, upper / population * per


def wilson_interval(numerator: float, denominator: float, level: float = 95
                    ) -> tuple[float, float]:
    """Wilson's score interval for a proportion, in percent.

    >>> [round(x, 1) for x in wilson_interval(37, 100)]
    [28.2, 46.8]
    """
    z = Z[level]
    p = numerator / denominator
    centre = p + z * z / (2 * denominator)
    spread = z * math.sqrt(p * (1 - p) / denominator + z * z / (4 * denominator ** 2))
    scale = 1 + z * z / denominator
    return (centre - spread) / scale * 100, (centre + spread) / scale * 100


def interval_for(record: dict, value: float | None, numerator: float | None,
                 denominator: float | None, population: float | None, additive: bool,
                 level: float = 95) -> tuple[float, float] | None:
    """The interval of one figure in the unit it is compared in: counts as rates per 1,000
    of ``population``; rates per 1,000 from their numerator and denominator; percentages by
    Wilson. None when the figure carries nothing to build one from."""
    if value is None:
        return None
    if additive and population:
        return rate_interval(value, population, level=level)
    if numerator is None or denominator in (None, 0):
        return None
    if record["unit"] == "rate_per_1000":
        return rate_interval(numerator, denominator, level=level)
    if record["unit"] == "percent":
        return wilson_interval(numerator, denominator, level)
    return None


def compare_with_benchmark(interval: tuple[float, float] | None, benchmark: float | None,
                           polarity: str) -> str | None:
    """'better', 'similar' or 'worse' (or 'higher', 'similar', 'lower' for neutral
    indicators) by whether ``benchmark`` lies outside the area's interval; None when either
    is missing.

    >>> compare_with_benchmark((8.1, 9.4), 10.0, "down_good")
    'better'
    >>> compare_with_benchmark((8.1, 9.4), 9.0, "down_good")
    'similar'
    >>> compare_with_benchmark((8.1, 9.4), 7.0, "neutral")
    'higher'
    """
    if interval is None or benchmark is None:
        return None
    lower, upper = interval
    if lower <= benchmark <= upper:
        return "similar"
    higher = lower > benchmark
    if polarity == "neutral":
        return "higher" if higher else "lower"
    good_high = polarity == "up_good"
    return "better" if higher == good_high else "worse"
