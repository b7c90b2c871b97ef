"""The written position statement, generated from the numbers in the board's style. The
direction always comes from the figures, and the wording follows the indicator's polarity:
for domestic abuse and hate crime, more reporting is not simply worse."""
from __future__ import annotations

from .formatting import format_value

NEUTRAL_NOTE = ("More reporting can mean more confidence to come forward, so a rise is not in "
                "itself worse, nor a fall better.")
JUDGEMENT_WORDS = {"better": "an improvement", "worse": "a deterioration"}


def compose_statement(summary: dict, area_name: str, comparator: dict | None = None,
                      comparator_name: str | None = None, target: str = "") -> str:
    """One paragraph for one indicator and area from a compute_summary row. ``comparator`` is
    the same row for the county (or board area), compared when both are rates or shares.

    >>> row = {"title": "Violence with injury", "unit": "rate_per_1000", "value": 9.84,
    ...        "previous_value": 10.13, "change_pct": -2.86, "judgement": "better",
    ...        "period": "12 months to June 2023", "withheld": None, "rag": "Green",
    ...        "polarity": "down_good", "rate_per_1000": None}
    >>> compose_statement(row, "Leicestershire", target="year-on-year reduction")
    'Violence with injury in Leicestershire is 9.84 per 1,000 in the 12 months to June 2023, \
down 2.9% on the same period a year before (10.13 per 1,000): an improvement. Target \
(year-on-year reduction): Green.'
    """
    unit = summary["unit"]
    if summary["value"] is None:
        return f"There is no figure for {summary['title']} in {area_name} yet."
    figure = format_value(summary["value"], unit)
    if summary.get("rate_per_1000") is not None:
        figure += f" ({format_value(summary['rate_per_1000'], 'rate_per_1000')} residents)"
    text = f"{summary['title']} in {area_name} is {figure} in {_period(summary)}"
    if summary["change_pct"] is not None:
        change = summary["change_pct"]
        previous = format_value(summary["previous_value"], unit)
        if round(change, 1) == 0:
            text += f", unchanged on the same period a year before ({previous})"
        else:
            text += (f", {'up' if change > 0 else 'down'} {abs(change):.1f}% on the same "
                     f"period a year before ({previous})")
        text += _reading(summary, change) + "."
    else:
        text += "."
        if summary["withheld"]:
            text += f" No change is given: {summary['withheld']}."
    if summary["polarity"] == "neutral" and summary["change_pct"] is not None:
        text += " " + NEUTRAL_NOTE
    text += _against(summary, comparator, comparator_name)
    if summary["rag"]:
        text += f" Target ({target}): {summary['rag']}." if target else \
            f" Status: {summary['rag']}."
    return text


def _reading(summary: dict, change: float) -> str:
    """What the change means, never more than its test allows: ': a significant
    deterioration', ': not a significant change', or, where it could not be tested, the
    direction's words alone (': an improvement')."""
    significance = summary.get("significance")
    if significance == "no significant change":
        return ": not a significant change"
    judgement = JUDGEMENT_WORDS.get(summary["judgement"])
    if significance is not None:
        if judgement:
            return f": a significant {judgement.split(' ', 1)[1]}"
        return f": a significant {'rise' if change > 0 else 'fall'}"
    return f": {judgement}" if judgement else ""


def _period(summary: dict) -> str:
    """'the 12 months to June 2023', 'Q1 2023/24', '2023/24 to Q3' or '2021/22'."""
    period = summary["period"]
    return f"the {period}" if period.startswith("12 months") else period


def _against(summary: dict, comparator: dict | None, name: str | None) -> str:
    """'It is higher than Leicestershire (9.50 per 1,000).' for rates and shares."""
    if not comparator or comparator.get("value") is None or name is None:
        return ""
    unit = summary["unit"]
    mine, theirs = summary["value"], comparator["value"]
    if unit == "count":
        mine, theirs = summary.get("rate_per_1000"), comparator.get("rate_per_1000")
        unit = "rate_per_1000"
        if mine is None or theirs is None:
            return ""
    if round(mine, 2) == round(theirs, 2):
        return f" It is the same as {name} ({format_value(theirs, unit)})."
    word = "higher" if mine > theirs else "lower"
    return f" It is {word} than {name} ({format_value(theirs, unit)})."
