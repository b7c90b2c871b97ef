"""One file's bytes in, a ParsedFile out: recognised from its content and read by the reader
for its kind. This is what runs in the parsing child process (see workers.py), so it needs no
store: the police.uk reader's reference data comes in as a PoliceContext."""
from __future__ import annotations

import errno
import logging

from . import officer_long, officer_wide, reference
from .model import ParsedFile
from .police_uk import PoliceContext, looks_like_police_uk, parse_police_uk
from .problems import UploadRefused, error
from .readers import read_sheets

log = logging.getLogger(__name__)

UNRECOGNISED = ("this file was not recognised. The dashboard reads: police.uk street-level "
                "crime CSVs; an officer's table with columns for area (district), period, "
                "measure and value (download the template from the Upload page); a district x "
                "quarter table like the Domestic Abuse Dashboard; ONS population estimates; "
                "LSOA lookups; and boundaries (GeoJSON, TopoJSON, KML or police.uk boundary "
                "JSON)")
UNREADABLE = ("this file could not be read; check it opens in Excel and has the layout the "
              "Upload page describes, or send it to the dashboard's maintainers")


def parse_upload(file_name: str, data: bytes, digest: str, answers: dict,
                 context: PoliceContext | None) -> ParsedFile:
    """Recognise and read one file. Problems are in the result, never raised, except
    running out of memory (raised as MemoryError): the child process reading it must stop,
    not carry on damaged.

    ``context`` is needed only for police.uk files."""
    try:
        return _parse(file_name, data, digest, answers, context)
    except UploadRefused as refused:
        return ParsedFile(file_name, digest, "unknown", problems=refused.problems)
    except Exception as exc:  # a reader bug must not show a traceback to an officer
        if out_of_memory(exc):
            raise MemoryError(str(exc)) from exc
        log.exception("reading %s failed", file_name)
        return ParsedFile(file_name, digest, "unknown",
                          problems=[error(UNREADABLE, file=file_name)])


def _parse(file_name, data, digest, answers, context) -> ParsedFile:
    if not data:
        return ParsedFile(file_name, digest, "unknown",
                          problems=[error("the file is empty", file=file_name)])
    if looks_like_police_uk(data):
        return parse_police_uk(file_name, data, digest, context)
    # A workbook is read once, for both the reference and the officer readers: reading a
    # 200,000-row sheet takes seconds.
    sheets = None if reference.is_structured(data) else read_sheets(file_name, data)
    if reference.recognise_reference(file_name, data, sheets):
        return reference.parse_reference(file_name, data, digest, answers, sheets)
    for sheet in sheets or []:
        if officer_long.find_long_header(sheet) is not None:
            return officer_long.parse_officer_long(sheet, digest, answers)
        if officer_wide.find_wide_header(sheet) is not None:
            return officer_wide.parse_officer_wide(sheet, digest, answers)
    return ParsedFile(file_name, digest, "unknown",
                      problems=[error(UNRECOGNISED, file=file_name)])


OUT_OF_MEMORY = ("out of memory", "cannot allocate memory", "bad_alloc",
                 "memory allocation failed", "failed to map segment")


def out_of_memory(exc: BaseException) -> bool:
    """True when ``exc``, or an exception it came from, says memory ran out. Libraries say
    it their own way: MemoryError from Python and numpy, 'C error: out of memory' from the
    pandas CSV parser, ENOMEM from mmap, 'failed to map segment' from loading a library.

    >>> out_of_memory(ValueError("Error tokenizing data. C error: out of memory"))
    True
    >>> out_of_memory(ValueError("could not convert string to float: 'x'"))
    False
    """
    while exc is not None:
        if isinstance(exc, MemoryError) or (isinstance(exc, OSError)
                                            and exc.errno == errno.ENOMEM):
            return True
        if any(words in str(exc).lower() for words in OUT_OF_MEMORY):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
