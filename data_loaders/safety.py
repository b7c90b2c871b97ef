"""Checks on an upload's bytes before any parser sees them: a workbook's zip directory
(how much it unpacks to, how hard it is compressed, how many parts it has) and XML that
declares a DTD or entities (the 'billion laughs' and external-entity attacks). A file that
fails is refused with a plain message; nothing is parsed or stored."""
from __future__ import annotations

import io
import re
import zipfile

from .problems import UploadRefused, error

MAX_UNPACKED = 400 * 1024 * 1024  # bytes: far beyond any real workbook (200,000 rows ~ 40 MB)
MAX_RATIO = 150  # uncompressed / compressed for a large part; real xlsx parts reach ~20-40
RATIO_FLOOR = 5 * 1024 * 1024  # small parts may compress very well without harm
MAX_PARTS = 2000
DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
PROLOG_BYTES = 4096  # a DTD can only come before the root element


def check_zip(file_name: str, data: bytes) -> None:
    """Raise UploadRefused for a zip (xlsx/ods) that unpacks too far, is compressed like a
    bomb, has too many parts, or carries XML with a DTD or entities.

    >>> check_zip("a.xlsx", b"not a zip")
    Traceback (most recent call last):
    ...
    data_loaders.problems.UploadRefused: a.xlsx: this file could not be opened as a spreadsheet: it is not a complete xlsx or ods file; open it in Excel, save it as .xlsx and upload it again
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        _refuse(file_name, "this file could not be opened as a spreadsheet: it is not a "
                           "complete xlsx or ods file; open it in Excel, save it as .xlsx and "
                           "upload it again")
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            _refuse(file_name, f"this workbook has {len(parts):,} parts inside it, far more "
                               "than a spreadsheet has; it was not opened")
        unpacked = sum(p.file_size for p in parts)
        if unpacked > MAX_UNPACKED:
            _refuse(file_name, f"this workbook unpacks to {unpacked / 2**20:,.0f} MB, more "
                               f"than the {MAX_UNPACKED / 2**20:,.0f} MB the dashboard opens; "
                               "split it into smaller files")
        for part in parts:
            if part.file_size > RATIO_FLOOR and \
                    part.file_size > MAX_RATIO * max(part.compress_size, 1):
                _refuse(file_name, "this workbook is compressed far more than a real "
                                   "spreadsheet could be (a 'zip bomb'); it was not opened")
        for part in parts:
            if part.filename.endswith((".xml", ".rels")):
                with archive.open(part) as handle:
                    check_xml_text(file_name, handle.read(PROLOG_BYTES))


def check_xml_text(file_name: str, data: bytes) -> None:
    """Raise UploadRefused when XML (a workbook part or a KML file) declares a DTD or
    entities, which spreadsheets and police.uk files never need."""
    if DTD.search(data[:PROLOG_BYTES]):
        _refuse(file_name, "this file declares XML entities or a DTD, which spreadsheets and "
                           "police.uk files never contain; it was not opened. Save it again "
                           "from Excel or download it again")


def _refuse(file_name: str, message: str) -> None:
    raise UploadRefused([error(message, file=file_name)])
