"""Command line for scheduled packs: python -m reports pack OUTPUT [options] writes
OUTPUT.pptx and OUTPUT.pdf."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from data_loaders import geography as geo
from data_loaders.store import Store

from .board_pack import build_content, pack_data, pack_file_stem
from .pack_layout import pack_pdf, pack_pptx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports",
                                     description="Write the board pack (PowerPoint and PDF).")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    pack = sub.add_parser("pack", help="write OUTPUT.pptx and OUTPUT.pdf")
    pack.add_argument("output", type=Path, help="a folder to write into (the files are named "
                      "by meeting date, area and audience), or a file name without extension")
    pack.add_argument("--store", default=None, help="SQLAlchemy URL (default: as the app)")
    pack.add_argument("--snapshot", type=int, help="a board snapshot's id (default: current)")
    pack.add_argument("--area", default=geo.BOARD_CODE, help="area code (default: the board)")
    pack.add_argument("--period", choices=["quarter", "ytd", "rolling12"], default="quarter")
    pack.add_argument("--ending", type=dt.date.fromisoformat,
                      help="first day of the last quarter, e.g. 2023-10-01 (default: latest)")
    pack.add_argument("--meeting", default="Safer Communities Strategy Board",
                      help="the title slide's heading, e.g. 'Board 15 December 2023'")
    pack.add_argument("--meeting-date", type=dt.date.fromisoformat,
                      help="the meeting's date, e.g. 2023-12-15: on the cover, every page's "
                           "foot and the file names")
    pack.add_argument("--partner", action="store_true",
                      help="a partner pack: every count protected as partners see it")
    args = parser.parse_args(argv)
    store = Store(args.store)
    threshold = store.small_number_threshold()[0]
    try:
        data = pack_data(store, args.snapshot, threshold if args.partner else None)
    except KeyError as missing:
        print(f"Not written: {missing.args[0]}.", file=sys.stderr)
        return 1
    content = build_content(data, args.area, args.period, args.ending, args.meeting,
                            args.partner, threshold, args.meeting_date)
    output = args.output / pack_file_stem(args.meeting_date, args.area, args.partner) \
        if args.output.is_dir() else args.output
    output.with_suffix(".pptx").write_bytes(pack_pptx(content))
    output.with_suffix(".pdf").write_bytes(pack_pdf(content))
    print(f"Wrote {output.with_suffix('.pptx')} and {output.with_suffix('.pdf')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
