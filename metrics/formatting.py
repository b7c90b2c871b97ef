"""Numbers as the board reads them, one place for every page, statement and export."""
from __future__ import annotations

import math

UNIT_FORMAT = {"count": "{:,.0f}", "rate_per_1000": "{:,.2f} per 1,000", "percent": "{:.1f}%",
               "ratio": "{:.2f}", "days": "{:,.0f} days"}
UNIT_NAMES = {"count": "count", "rate_per_1000": "rate per 1,000 residents",
              "percent": "%", "ratio": "ratio", "days": "days"}


def format_value(value, unit: str) -> str:
    """A value in its unit, as the board writes it; "" for none.

    >>> format_value(1382, "count"), format_value(9.8412, "rate_per_1000")
    ('1,382', '9.84 per 1,000')
    >>> format_value(None, "percent")
    ''
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return UNIT_FORMAT[unit].format(value)


# A tile shows its figure alone in big type and the unit's words in the small print under
# it: "59.62 per 1,000" in big type was cut to "59.62 p..." in a tile a third or a sixth of a
# 1024- or 1280-pixel screen wide (a laptop, a projector).
TILE_UNITS = {"rate_per_1000": ("{:,.2f}", "per 1,000 residents"), "days": ("{:,.0f}", "days")}


def tile_figure(value, unit: str) -> tuple[str, str]:
    """A tile's big figure and the words of its unit for the small print ("" if the figure
    says it all).

    >>> tile_figure(59.624, "rate_per_1000"), tile_figure(12052, "count")
    (('59.62', 'per 1,000 residents'), ('12,052', ''))
    >>> tile_figure(64.54, "percent"), tile_figure(None, "days")
    (('64.5%', ''), ('', 'days'))
    """
    if unit not in TILE_UNITS:
        return format_value(value, unit), ""
    figure, words = TILE_UNITS[unit]
    return (figure.format(value) if format_value(value, unit) else ""), words


# The number alone, in its unit's one format: rates and ratios to 2 decimals, percentages to
# 1, counts and days whole with thousands separators. COLUMN_FORMATS says the same to
# Streamlit's NumberColumn, so a table column keeps sorting as numbers.
NUMBER_FORMAT = {"count": "{:,.0f}", "rate_per_1000": "{:,.2f}", "percent": "{:.1f}",
                 "ratio": "{:.2f}", "days": "{:,.0f}"}
DECIMALS = {"count": 0, "rate_per_1000": 2, "percent": 1, "ratio": 2, "days": 0}
COLUMN_FORMATS = {"count": "localized", "rate_per_1000": "%.2f", "percent": "%.1f",
                  "ratio": "%.2f", "days": "localized"}


def interval_text(low, high, unit: str) -> str:
    """A 95% interval in the unit's number format; "" when there is none.

    >>> interval_text(98.017, 103.9, "rate_per_1000"), interval_text(None, None, "count")
    ('98.02 to 103.90', '')
    """
    if low is None or high is None or (isinstance(low, float) and math.isnan(low)):
        return ""
    return f"{NUMBER_FORMAT[unit].format(low)} to {NUMBER_FORMAT[unit].format(high)}"


def format_change(change_pct) -> str:
    """A % change with its sign and one decimal; "" for none.

    >>> format_change(-3.36), format_change(6.7), format_change(None)
    ('-3.4%', '+6.7%', '')
    """
    if change_pct is None or (isinstance(change_pct, float) and math.isnan(change_pct)):
        return ""
    return f"{change_pct:+.1f}%"


def unit_title(unit: str) -> str:
    """A unit as a chart axis or table column names it.

    >>> unit_title("rate_per_1000"), unit_title("count")
    ('Rate per 1,000 residents', 'Count')
    """
    return UNIT_NAMES[unit].capitalize() if unit != "count" else "Count"
