"""Bytes in, raw sheets out: the type is decided from the bytes, text is decoded whatever
Excel or a police download saved it as, and every workbook sheet is returned so the data
sheet can be found by content."""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

import pandas as pd

from .problems import UploadRefused, error
from .safety import check_zip


@dataclass
class RawSheet:
    """All cells of one sheet (or of a CSV) as read, without a header.

    ``cells`` has a RangeIndex where index 0 is Excel row ``first_row`` (1 unless the sheet's
    used range starts lower) and integer columns where 0 is column A. Values are str, int,
    float, bool, datetime/date or None (empty). ``hidden_rows`` holds 1-based Excel row
    numbers hidden in the workbook.
    """

    file_name: str
    sheet: str | None
    cells: pd.DataFrame
    first_row: int = 1
    hidden_rows: set[int] = field(default_factory=set)
    encoding: str | None = None

    def excel_row(self, index: int) -> int:
        return self.first_row + index


def sniff_container(data: bytes) -> str:
    """'zip' (xlsx, ods), 'ole' (xls or an encrypted xlsx), or 'text'."""
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    return "text"


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) for UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8 with BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def _delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    counts = {d: sample.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def read_text_table(file_name: str, data: bytes) -> RawSheet:
    """A CSV or tab-separated text file as one raw sheet of strings ('' read as None)."""
    text, encoding = decode_text(data)
    if "\x00" in text:
        raise UploadRefused([error("this file is not text or a spreadsheet this dashboard can "
                                   "read; save it as .xlsx or .csv and upload it again",
                                   file=file_name)])
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    width = max((len(r) for r in rows), default=0)
    cells = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype="object")
    cells = cells.where(cells != "", None)
    return RawSheet(file_name, None, cells, encoding=encoding)


def _hidden_rows_xlsx(data: bytes) -> dict[str, set[int]]:
    """Hidden row numbers per sheet name, read from the workbook XML (readers skip them)."""
    hidden: dict[str, set[int]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
            targets.update({k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"',
                                                        rels)})
            for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"',
                                        workbook):
                target = targets.get(rid, "")
                path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if path not in archive.namelist():
                    continue
                xml = archive.read(path).decode("utf-8", "replace")
                if 'hidden="' not in xml:  # the usual case: skips two scans of the whole sheet
                    hidden[_unescape(name)] = set()
                    continue
                rows = {int(n) for n in re.findall(r'<row [^>]*r="(\d+)"[^>]*hidden="(?:1|true)"',
                                                   xml)}
                rows |= {int(n) for n in re.findall(
                    r'<row [^>]*hidden="(?:1|true)"[^>]*r="(\d+)"', xml)}
                hidden[_unescape(name)] = rows
    except (KeyError, zipfile.BadZipFile, ValueError):
        return {}
    return hidden


def _unescape(text: str) -> str:
    return (text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
            .replace("&quot;", '"').replace("&apos;", "'"))


def read_workbook(file_name: str, data: bytes) -> list[RawSheet]:
    """Every visible sheet of an xlsx, xls or ods workbook, read with calamine."""
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise UploadRefused([error("this workbook is protected with a password; open it in "
                                   "Excel, remove the password (File > Info > Protect "
                                   "Workbook), save and upload it again",
                                   file=file_name)]) from None
    except Exception:
        raise UploadRefused([error("this file could not be opened as a spreadsheet: it may be "
                                   "damaged or not really an Excel or ODS file; open it in "
                                   "Excel, save it as .xlsx and upload it again",
                                   file=file_name)]) from None
    hidden = _hidden_rows_xlsx(data) if sniff_container(data) == "zip" else {}
    sheets = []
    for meta in workbook.sheets_metadata:
        if str(meta.visible) not in ("SheetVisibleEnum.Visible", "Visible"):
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        rows = sheet.to_python(skip_empty_area=False)
        width = max((len(r) for r in rows), default=0)
        cells = pd.DataFrame([list(r) + [""] * (width - len(r)) for r in rows], dtype="object")
        cells = cells.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
        sheets.append(RawSheet(file_name, meta.name, cells, first_row=1,
                               hidden_rows=hidden.get(meta.name, set())))
    return sheets


def read_sheets(file_name: str, data: bytes) -> list[RawSheet]:
    """All sheets of a workbook or the one table of a text file, decided from the bytes."""
    if not data:
        raise UploadRefused([error("the file is empty", file=file_name)])
    container = sniff_container(data)
    if container == "ole" and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00" in data[:65536]:
        raise UploadRefused([error("this workbook is protected with a password; open it in "
                                   "Excel, remove the password (File > Info > Protect "
                                   "Workbook), save and upload it again", file=file_name)])
    if container == "zip":
        check_zip(file_name, data)  # before calamine sees a byte of it
    if container in ("zip", "ole"):
        return read_workbook(file_name, data)
    return [read_text_table(file_name, data)]
