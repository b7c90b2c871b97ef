"""Names officers write that the dashboard does not know (a measure, an area): the closest
known names to suggest, the one question that asks which was meant, and the key its answer is
kept under. An answer is stored as a board alias with who gave it and when (Store.aliases),
so the same file goes in next quarter without the question."""
from __future__ import annotations

import difflib

from . import geography as geo
from .catalogue import _normalise, load_catalogue
from .problems import Problem

MEASURE, AREA = "measure", "area"
LEAVE_OUT = "leave out"  # the answer that leaves a name's rows out of the upload
SUGGESTIONS = 3  # the closest names a question offers in words
LIKE = 0.6  # how alike (0 to 1) a name must be to be offered in words
CLOSE_TO_BEST = 0.12  # ... and how near the likeness of the closest


def name_key(kind: str, text: str) -> str:
    """The answer key for a name as written: one per distinct name, whatever its case,
    spacing or punctuation.

    >>> name_key(MEASURE, " Hate Crime offences "), name_key(AREA, "Melton Mowbray")
    ('measure:hate crime offences', 'area:melton mowbray')
    """
    return f"{kind}:{_normalise(text)}"


def is_name_key(key: str) -> bool:
    return key.startswith((MEASURE + ":", AREA + ":"))


FILLER = {"and", "of", "the", "for", "in", "a", "by", "to"}


def _similarity(a: str, b: str) -> float:
    """How alike two normalised names are, 0 to 1: each word matched to its closest word in
    the other name (by spelling), both ways, averaged. So "Hate crime offences" is closer to
    "Hate crimes" than to "Vehicle offences", and "Charnwood Borough" to Charnwood than to
    Harborough.

    >>> round(_similarity("hate crime offences", "hate crimes"), 2)
    0.87
    """
    words_a = [w for w in a.split() if w not in FILLER] or a.split()
    words_b = [w for w in b.split() if w not in FILLER] or b.split()
    if not words_a or not words_b:
        return 0.0

    def closest(word: str, others: list[str]) -> float:
        return max(difflib.SequenceMatcher(None, word, other).ratio() for other in others)

    forward = sum(closest(w, words_b) for w in words_a) / len(words_a)
    backward = sum(closest(w, words_a) for w in words_b) / len(words_b)
    return (forward + backward) / 2


def ranked_measures(text: str, units: set[str] | None = None) -> list[tuple[str, float]]:
    """Every officer measure's id (of ``units`` if given) with its likeness to ``text``, the
    closest first, by the best of its title and aliases.

    >>> ranked_measures("Hate crime offences")[0][0]
    'hate_crimes'
    """
    wanted = _normalise(text)
    scores = {}
    for record in load_catalogue():
        if record["origin"] != "officer" or (units and record["unit"] not in units):
            continue
        names = [record["title"], *record["aliases"]]
        scores[record["id"]] = max(_similarity(wanted, _normalise(n)) for n in names)
    return sorted(scores.items(), key=lambda item: -item[1])


def ranked_areas(text: str) -> list[tuple[str, float]]:
    """The districts, the county and the board area's codes with their likeness to
    ``text``, the closest first.

    >>> ranked_areas("Melton Town")[0][0], ranked_areas("Hinkley")[0][0]
    ('E07000133', 'E07000132')
    """
    wanted = _normalise(text)
    scores = {c: _similarity(wanted, _normalise(geo.area_name(c)))
              for c in [*geo.DISTRICTS, geo.COUNTY_CODE, geo.BOARD_CODE]}
    return sorted(scores.items(), key=lambda item: -item[1])


def measure_title(indicator_id: str) -> str:
    return next(r["title"] for r in load_catalogue() if r["id"] == indicator_id)


def alias_target_name(key: str, value: str) -> str:
    """What an alias reads its name as, in words: a measure's title, an area's name."""
    if value == LEAVE_OUT:
        return "left out"
    return measure_title(value) if key.startswith(MEASURE + ":") else geo.area_name(value)


def unknown_name_question(kind: str, text: str, rows: str, place: dict, why: str = "",
                          units: set[str] | None = None) -> Problem:
    """The one question for a name the dashboard does not know (or may not match, ``why``
    says why): the closest few named, every known name to choose from, closest first, and
    "leave out"."""
    if kind == MEASURE:
        ranked = ranked_measures(text, units)
        labels = [measure_title(i) for i, _ in ranked]
        what, listed = "a measure", "the template's Measures sheet lists them all"
    else:
        ranked = ranked_areas(text)
        labels = [geo.area_name(c) for c, _ in ranked]
        what, listed = "an area", "a district, the county or the board area"
    choices = [c for c, _ in ranked]
    best = ranked[0][1] if ranked else 0
    likely = [label for label, (_, score) in zip(labels, ranked)
              if score >= LIKE and score >= best - CLOSE_TO_BEST][:SUGGESTIONS]
    message = why or f'"{text}" ({rows}) is not {what} this dashboard knows'
    message += (f". Did you mean: {'; '.join(likely)}?" if likely else
                f". No {what.split()[-1]}{' of that kind' if units else ''} has a name like it.")
    message += (f" Choose the one it is ({listed}), or leave these rows out; the answer is "
                "kept for next time")
    return Problem("question", message, key=name_key(kind, text),
                   choices=(*choices, LEAVE_OUT), labels=(*labels, "Leave these rows out"),
                   **place)
