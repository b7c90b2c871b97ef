"""The indicator catalogue (catalogue.toml) as records and a frame, and matching of the
measure names officers write to catalogue indicators."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")
FIELDS = ("id", "theme", "title", "unit", "polarity", "frequency", "computation", "target",
          "target_rule", "definition", "source", "aliases", "origin", "parent", "panel")
THEMES = {
    "crime": "Crime",
    "reoffending": "Reoffending",
    "domestic_abuse": "Domestic abuse",
    "asb": "Anti-social behaviour",
    "hate_crime": "Hate crime",
}
UNITS = ("count", "rate_per_1000", "percent", "ratio", "days")
POLARITIES = ("down_good", "up_good", "neutral")
PANELS = ("headline", "service")
_RULE = re.compile(r"^(?P<subject>value|change) (?P<op><=|>=|<|>) (?P<number>-?\d+(\.\d+)?)"
                   r"(?P<pct>%)?(?: vs (?P<versus>last year|\d{4}/\d{2}))?$")


@dataclass(frozen=True)
class TargetRule:
    """A target the dashboard can evaluate: ``subject op number``, where subject is the value
    itself or its % change on the same period of ``versus`` ('last year' or a baseline year
    such as '2022/23')."""

    subject: str
    op: str
    number: float
    versus: str | None


def parse_target_rule(text: str) -> TargetRule | None:
    """The rule in a catalogue record's target_rule, or None for "". Raises ValueError.

    >>> parse_target_rule("change <= -5% vs last year")
    TargetRule(subject='change', op='<=', number=-5.0, versus='last year')
    >>> parse_target_rule("value < 40")
    TargetRule(subject='value', op='<', number=40.0, versus=None)
    """
    if not text:
        return None
    match = _RULE.match(text)
    if not match or (match["subject"] == "change") != bool(match["versus"] and match["pct"]):
        raise ValueError(f"target rule {text!r} is not 'value OP N' or 'change OP N% vs "
                         "last year|YYYY/YY'")
    return TargetRule(match["subject"], match["op"], float(match["number"]), match["versus"])


def _normalise(name: str) -> str:
    text = str(name).lower().replace("&", " and ")
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(re.sub(r"[^a-z0-9%]+", " ", text).split())


@lru_cache(maxsize=1)
def load_catalogue() -> tuple[dict, ...]:
    """Every indicator record, validated; raises ValueError naming a bad record."""
    with CATALOGUE_PATH.open("rb") as handle:
        records = tomllib.load(handle)["indicator"]
    seen: dict[str, str] = {}
    for record in records:
        missing = [f for f in FIELDS if f not in record]
        if missing:
            raise ValueError(f"catalogue record {record.get('id')!r} lacks {missing}")
        if record["theme"] not in THEMES or record["unit"] not in UNITS \
                or record["polarity"] not in POLARITIES or record["panel"] not in PANELS:
            raise ValueError(f"catalogue record {record['id']!r} has an unknown theme, unit, "
                             "polarity or panel")
        parse_target_rule(record["target_rule"])
        for name in [record["id"], record["title"], *record["aliases"]]:
            key = _normalise(name)
            if seen.get(key, record["id"]) != record["id"]:
                raise ValueError(f"catalogue name {name!r} is used by {seen[key]!r} and "
                                 f"{record['id']!r}")
            seen[key] = record["id"]
    return tuple(records)


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as a frame, one row per indicator, columns as FIELDS."""
    return pd.DataFrame(list(load_catalogue()), columns=list(FIELDS))


def indicator(indicator_id: str) -> dict:
    """One catalogue record; KeyError when the id is unknown."""
    for record in load_catalogue():
        if record["id"] == indicator_id:
            return record
    raise KeyError(indicator_id)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names = {}
    for record in load_catalogue():
        for name in [record["id"], record["title"], *record["aliases"]]:
            names[_normalise(name)] = record["id"]
    return names


def match_measure(name: str) -> str | None:
    """The catalogue id for a measure name as an officer wrote it, or None.

    >>> match_measure("Domestic Burglary"), match_measure("MARAC repeat rate (%)")
    ('crime_residential_burglary', 'da_marac_repeat_rate')
    >>> match_measure("Number of parking tickets") is None
    True
    """
    return _names().get(_normalise(name))


def officer_measure_titles() -> list[str]:
    """Titles of the indicators officers upload, for error messages and template drop-downs."""
    return [r["title"] for r in load_catalogue() if r["origin"] == "officer"]
