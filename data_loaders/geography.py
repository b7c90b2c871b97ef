"""The board's geography: districts, the county, the board area and benchmarks, and the
many ways officers spell a district's name."""
from __future__ import annotations

import re

# area_type values used everywhere in the store and the frames.
AREA_TYPES = ("lsoa", "beat", "district", "county", "board", "region", "england")

DISTRICTS = {
    "E07000129": "Blaby",
    "E07000130": "Charnwood",
    "E07000131": "Harborough",
    "E07000132": "Hinckley and Bosworth",
    "E07000133": "Melton",
    "E07000134": "North West Leicestershire",
    "E07000135": "Oadby and Wigston",
    "E06000017": "Rutland",
}
LEICESTER_CITY = "E06000016"
COUNTY_CODE = "E10000018"  # Leicestershire: the seven districts other than Rutland
COUNTY_NAME = "Leicestershire"
BOARD_CODE = "LRSCSB"  # our own code for the board area: all eight districts
BOARD_NAME = "Leicestershire and Rutland"
REGION_CODE = "E12000004"
REGION_NAME = "East Midlands"
ENGLAND_CODE = "E92000001"
COUNTY_DISTRICTS = tuple(code for code in DISTRICTS if code != "E06000017")

# Police neighbourhood (beat) code prefixes and number ranges per district (DOMAIN.md).
BEAT_RANGES = {
    "E07000129": ("NH", 19, 24),
    "E07000130": ("NL", 56, 65),
    "E07000131": ("NA", 39, 42),
    "E07000132": ("NH", 25, 29),
    "E07000133": ("NR", 30, 34),
    "E07000134": ("NN", 43, 47),
    "E07000135": ("NA", 53, 55),
    "E06000017": ("NR", 35, 38),
}


def beat_codes(district_code: str) -> list[str]:
    """The police neighbourhood codes of one district, e.g. NH19..NH24 for Blaby."""
    prefix, first, last = BEAT_RANGES[district_code]
    return [f"{prefix}{n}" for n in range(first, last + 1)]


def district_of_beat(beat_code: str) -> str | None:
    """The district a beat code belongs to, or None for a code outside the board area."""
    match = re.fullmatch(r"([A-Z]{2})(\d{2})", beat_code.strip().upper())
    if not match:
        return None
    prefix, number = match.group(1), int(match.group(2))
    for district, (p, first, last) in BEAT_RANGES.items():
        if p == prefix and first <= number <= last:
            return district
    return None


def _squash(name: str) -> str:
    """Lower case, '&' as 'and', punctuation and council suffixes dropped."""
    text = str(name).lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    text = re.sub(
        r"\b(borough|district|county|council|bc|dc|cc|csp|community safety partnership|lpa)\b",
        " ",
        text,
    )
    return " ".join(text.split())


_ALIASES = {
    "blaby": "E07000129",
    "charnwood": "E07000130",
    "harborough": "E07000131",
    "hinckley and bosworth": "E07000132",
    "hinckley": "E07000132",
    "h and b": "E07000132",
    "hbbc": "E07000132",
    "melton": "E07000133",
    "melton mowbray": "E07000133",  # the town that gives the borough its name
    "north west leicestershire": "E07000134",
    "north west leics": "E07000134",
    "nw leicestershire": "E07000134",
    "nw leics": "E07000134",
    "nwl": "E07000134",
    "nwlc": "E07000134",
    "oadby and wigston": "E07000135",
    "o and w": "E07000135",
    "oandw": "E07000135",
    "oadby wigston": "E07000135",
    "rutland": "E06000017",
    "leicestershire": COUNTY_CODE,
    "leicestershire total": COUNTY_CODE,
    "leics": COUNTY_CODE,
    "total": COUNTY_CODE,
    "leicestershire and rutland": BOARD_CODE,
    "leicestershire and rutland total": BOARD_CODE,
    "board area": BOARD_CODE,
    "board": BOARD_CODE,
    "lrscsb": BOARD_CODE,
    "east midlands": REGION_CODE,
    "england": ENGLAND_CODE,
    "leicester": LEICESTER_CITY,
    "leicester city": LEICESTER_CITY,
}


def area_type_of(code: str) -> str | None:
    """The area type of a known non-LSOA code (district, county, board, region, england)."""
    if code in DISTRICTS:
        return "district"
    return {
        COUNTY_CODE: "county",
        BOARD_CODE: "board",
        REGION_CODE: "region",
        ENGLAND_CODE: "england",
    }.get(code)


def area_name(code: str) -> str:
    names = {
        **DISTRICTS,
        COUNTY_CODE: COUNTY_NAME,
        BOARD_CODE: BOARD_NAME,
        REGION_CODE: REGION_NAME,
        ENGLAND_CODE: "England",
        LEICESTER_CITY: "Leicester",
    }
    return names.get(code, code)


def resolve_area_name(text: str) -> tuple[str | None, str | None]:
    """(area code, area type) for a district, county, board, region or beat as officers write it.

    Codes are accepted as they are (E07000134, NL62). Returns (None, None) when the name is not
    recognised.

    >>> resolve_area_name("NW Leics")
    ('E07000134', 'district')
    >>> resolve_area_name("Hinckley & Bosworth BC")
    ('E07000132', 'district')
    >>> resolve_area_name("O&W")
    ('E07000135', 'district')
    >>> resolve_area_name("nl62")
    ('NL62', 'beat')
    >>> resolve_area_name("N.W. Leicestershire"), resolve_area_name("Melton Mowbray")
    (('E07000134', 'district'), ('E07000133', 'district'))
    """
    raw = str(text).strip()
    upper = raw.upper()
    if area_type_of(upper):
        return upper, area_type_of(upper)
    beat = upper.split()[0] if upper else ""
    if district_of_beat(beat):
        return beat, "beat"
    squashed = _squash(raw)
    # "N.W. Leicestershire" squashes to "n w leicestershire": its initials are one word.
    initials = re.sub(r"\b([a-z]) (?=[a-z]\b)", r"\1", squashed)
    code = next((_ALIASES[n] for n in (squashed, initials, squashed.replace(" ", ""))
                 if n in _ALIASES), None)
    if code == LEICESTER_CITY:
        return code, "district"
    if code:
        return code, area_type_of(code)
    return None, None


def is_canonical_name(text: str, code: str) -> bool:
    """True when ``text`` is the area's own name or code, so no 'read as' warning is needed."""
    return str(text).strip().lower() in {area_name(code).lower(), code.lower()}
