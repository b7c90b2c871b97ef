"""Hostile and broken files are refused before any parser runs, with a plain message naming
the file, and nothing is stored."""
from __future__ import annotations

import io
import struct
import zipfile

import pytest

from data_loaders import safety
from data_loaders.ingest import check_files, read_upload, store_checked
from data_loaders.problems import UploadRefused
from data_loaders.store import Store

from conftest import ROOT

SAMPLE = ROOT / "sample_data" / "officer" / "board_indicators_sample.xlsx"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
          b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1">'
          b'<si><t>&lol2;</t></si></sst>')


@pytest.fixture()
def store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'store.sqlite'}")


def rezip(data: bytes, replace: dict[str, bytes] = None, add: dict[str, bytes] = None) -> bytes:
    """The workbook's zip with parts replaced or added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, (replace or {}).get(item.filename,
                                                                source.read(item.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def refusal(store: Store, name: str, data: bytes) -> str:
    parsed = read_upload(name, data, store)
    assert not parsed.ok
    return " ".join(str(p) for p in parsed.problems)


def test_a_real_workbook_passes():
    safety.check_zip("sample.xlsx", SAMPLE.read_bytes())


def test_a_zip_bomb_is_refused_before_parsing_and_nothing_is_stored(store):
    bomb = rezip(SAMPLE.read_bytes(), add={"xl/media/padding.bin": b"\0" * (60 * 2**20)})
    message = refusal(store, "quarterly.xlsx", bomb)
    assert "quarterly.xlsx" in message and "zip bomb" in message
    checked = check_files([("quarterly.xlsx", bomb)], store)
    with pytest.raises(UploadRefused):
        store_checked(checked, store, "officer")
    assert store.uploads().empty and store.observations().empty


def declare_size(data: bytes, part: str, size: int) -> bytes:
    """The zip with ``part``'s uncompressed size in the central directory changed to
    ``size``: what the safety check reads, without building a file that big. (The limits
    cannot be lowered in the test: files are read in a child process.)"""
    buffer = bytearray(data)
    at = buffer.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", buffer, at + 28)[0]
        if buffer[at + 46:at + 46 + name_length].decode() == part:
            struct.pack_into("<I", buffer, at + 24, size)
            return bytes(buffer)
        at = buffer.find(b"PK\x01\x02", at + 46)
    raise KeyError(part)


def test_a_workbook_that_unpacks_too_far_is_refused(store):
    big = declare_size(SAMPLE.read_bytes(), "xl/worksheets/sheet2.xml", 500 * 2**20)
    message = refusal(store, "big.xlsx", big)
    assert "big.xlsx" in message and "unpacks to" in message


def test_a_workbook_with_thousands_of_parts_is_refused(store):
    many = rezip(SAMPLE.read_bytes(), add={f"xl/junk/{i}.txt": b"x" for i in range(2001)})
    assert "parts inside it" in refusal(store, "many.xlsx", many)


def test_xml_entities_in_a_workbook_are_refused(store):
    laughs = rezip(SAMPLE.read_bytes(), add={"xl/sharedStrings.xml": LAUGHS})
    message = refusal(store, "laughs.xlsx", laughs)
    assert "laughs.xlsx" in message and "entities" in message


def test_xml_entities_in_a_kml_boundary_are_refused(store):
    kml = (b'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b'<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>NR31</name>'
           b'</Placemark></kml>')
    message = refusal(store, "NR31.kml", kml)
    assert "entities" in message and "passwd" not in message


def test_a_damaged_workbook_says_so_plainly(store):
    broken = SAMPLE.read_bytes()[:5000]
    message = refusal(store, "broken.xlsx", broken)
    assert "broken.xlsx" in message and "Traceback" not in message


def test_downloads_neutralise_what_a_spreadsheet_would_run():
    import pandas as pd

    from components.actions_view import actions_table
    from data_loaders.exports import to_csv_bytes, to_xlsx_bytes

    actions = pd.DataFrame([{"number": 1, "raised_on": "2023-06-30",
                             "action": '=HYPERLINK("http://evil.example","click")',
                             "officer": "@officer", "comments": "+1+cmd|' /C calc'!A0",
                             "status": "Red",
                             "themes": ["crime"], "indicators": []}])
    table = actions_table(actions, {})
    text = to_csv_bytes(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@officer" in text and "'+1+cmd" in text
    # Text that only starts with a sign is left as written: no apostrophe to read past.
    changes = pd.DataFrame({"Change": ["-3.4% ↓ down (better), significantly lower"]})
    assert to_csv_bytes(changes).decode("utf-8-sig").splitlines()[1].startswith('"-3.4%')
    frame = pd.read_excel(io.BytesIO(to_xlsx_bytes(table)), engine="calamine")
    assert frame.loc[0, "Action"].startswith("'=")
