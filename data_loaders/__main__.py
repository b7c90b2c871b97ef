"""Command line: python -m data_loaders ingest|uploads|rollback|restore|export|seed|template.

Every sub-command takes --store URL (default: DATABASE_URL, else the embedded SQLite file).
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from .exports import tidy_export, to_csv_bytes, to_xlsx_bytes
from .ingest import ingest_paths, load_sample_data
from .model import KINDS
from .problems import UploadRefused
from .store import Store, StoreBusy, StoreFull


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    store = Store(args.store)
    try:
        return args.run(args, store)
    except StoreBusy as busy:
        print(f"Not done: {busy}. Nothing was changed; try again in a minute.", file=sys.stderr)
        return 3
    except StoreFull as full:
        print(f"Not done: {full}. Nothing was changed and everything stored before is "
              "intact; free some space on the database's disk and run this again.",
              file=sys.stderr)
        return 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data_loaders",
                                     description="Load, list, undo and export dashboard data.")
    parser.add_argument("--store", default=None,
                        help="SQLAlchemy URL of the store (default: DATABASE_URL or the "
                             "embedded SQLite file)")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    ingest = sub.add_parser("ingest", help="check and store files, as the Upload page does")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--user", default=getpass.getuser())
    ingest.add_argument("--answer", action="append", default=[], metavar="KEY=VALUE",
                        help="answer a question the files raise, e.g. fy_label=end")
    ingest.set_defaults(run=_ingest)

    sub.add_parser("uploads", help="the upload ledger").set_defaults(run=_uploads)
    for name, helptext in (("rollback", "undo an upload"), ("restore", "undo a rollback")):
        command = sub.add_parser(name, help=helptext)
        command.add_argument("upload_id", type=int)
        command.add_argument("--user", default=getpass.getuser())
        command.set_defaults(run=_set_status, action=name)

    export = sub.add_parser("export", help="current values as tidy rows")
    export.add_argument("--indicator", action="append")
    export.add_argument("--area-type", action="append",
                        choices=["lsoa", "beat", "district", "county", "board", "region",
                                 "england"])
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    export.add_argument("--status", action="store_true",
                        help="instead of values: one row per indicator and area for its latest "
                             "period with the comparison, change, direction, RAG, SPC signal, "
                             "benchmark and status (with --partner, as partners see them)")
    export.add_argument("--partner", action="store_true",
                        help="the figures partners see: every count protected (About page, "
                             "small numbers); what to send anyone without the officer role")
    export.add_argument("--output", type=Path, help="file to write (default: standard output "
                                                    "for csv; required for xlsx)")
    export.set_defaults(run=_export)

    sub.add_parser("seed", help="load the bundled sample data into an empty store"
                   ).set_defaults(run=_seed)
    template = sub.add_parser("template", help="write the officer's xlsx template")
    template.add_argument("output", type=Path)
    template.set_defaults(run=_template)
    return parser


def _ingest(args, store: Store) -> int:
    answers = dict(a.split("=", 1) for a in args.answer)
    per_file = {Path(p).name.removesuffix(".gz"): answers for p in args.paths}
    missing = [p for p in args.paths if not p.is_file()]
    if missing:
        print(f"Not stored: {', '.join(map(str, missing))} not found.", file=sys.stderr)
        return 2
    try:
        checked, ids = ingest_paths(args.paths, store, args.user, per_file)
    except UploadRefused as refused:
        print("Not stored: nothing from these files was saved.", file=sys.stderr)
        for problem in refused.problems:
            hint = f" (answer with --answer {problem.key}=<{'|'.join(problem.choices)}>)" \
                if problem.severity == "question" else ""
            print(f"  {problem}{hint}", file=sys.stderr)
        return 1
    by_name = dict(zip([c.parsed.file_name for c in checked if not c.adds_nothing], ids))
    for item in checked:
        parsed, preview = item.parsed, item.preview
        if item.adds_nothing:
            print(f"{parsed.file_name}: already stored as upload {preview.duplicate_of['upload_id']}"
                  "; nothing added")
            continue
        print(f"{parsed.file_name}: upload {by_name[parsed.file_name]}, "
              f"{KINDS.get(parsed.kind, parsed.kind)}: {len(preview.added)} values added, "
              f"{len(preview.revised)} revised, {preview.unchanged} unchanged"
              + (f", {preview.incidents_new} new incidents" if parsed.incidents is not None
                 else ""))
        for line in parsed.notes + [str(w) for w in parsed.warnings]:
            print(f"  {line}")
    return 0


def _uploads(args, store: Store) -> int:
    ledger = store.uploads()
    if ledger.empty:
        print("No uploads yet.")
        return 0
    columns = ["upload_id", "uploaded_at", "user_name", "file_name", "kind", "rows_added",
               "rows_revised", "incidents_new", "status"]
    print(ledger[columns].to_string(index=False))
    return 0


def _set_status(args, store: Store) -> int:
    try:
        (store.rollback if args.action == "rollback" else store.restore)(args.upload_id,
                                                                       args.user)
    except KeyError as missing:
        print(f"Not done: {missing.args[0]}.", file=sys.stderr)
        return 1
    print(f"Upload {args.upload_id} {'rolled back' if args.action == 'rollback' else 'restored'}.")
    return 0


def _export(args, store: Store) -> int:
    if args.status:
        frame = _status_rows(store, args)
    else:
        observations = _observations(store, args.partner)
        if args.indicator:
            observations = observations[observations["indicator_id"].isin(args.indicator)]
        if args.area_type:
            observations = observations[observations["area_type"].isin(args.area_type)]
        frame = tidy_export(observations.reset_index(drop=True), store.reference("areas"))
    if args.format == "xlsx":
        if not args.output:
            print("xlsx needs --output FILE.xlsx", file=sys.stderr)
            return 2
        args.output.write_bytes(to_xlsx_bytes(frame))
    elif args.output:
        args.output.write_bytes(to_csv_bytes(frame))
    else:
        sys.stdout.write(to_csv_bytes(frame).decode("utf-8-sig"))
    return 0


def _status_rows(store: Store, args):
    # The command line is an entry point above every layer, so it may use the metrics the
    # pages use; the loaders' library code never does.
    from metrics.status_export import compute_status_rows

    from .catalogue import catalogue_frame

    frame = compute_status_rows(_observations(store, args.partner), catalogue_frame(),
                                store.reference("population"), store.definition_changes())
    if args.indicator:
        frame = frame[frame["indicator"].isin(args.indicator)]
    if args.area_type:
        frame = frame[frame["area_type"].isin(args.area_type)]
    return frame.reset_index(drop=True)


def _observations(store: Store, partner: bool):
    """Every current observation, or with ``partner`` the protected ones partners see."""
    observations = store.observations()
    if not partner:
        return observations
    from metrics.disclosure import partner_observations  # an entry point, as above

    from .catalogue import catalogue_frame

    return partner_observations(observations, catalogue_frame(), store.reference("areas"),
                                store.reference("population"), store.disclosure_secret(),
                                store.small_number_threshold()[0])


def _seed(args, store: Store) -> int:
    if not store.is_empty():
        print("The store already has uploads; sample data is only loaded into an empty store.")
        return 0
    ids = load_sample_data(store)
    print(f"Loaded {len(ids)} sample files.")
    return 0


def _template(args, store: Store) -> int:
    from .templates import build_long_template

    args.output.write_bytes(build_long_template())
    print(f"Template written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
