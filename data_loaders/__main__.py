"""Command line: python -m data_loaders
ingest|uploads|rollback|restore|withdraw|put-back|aliases|export|seed|template.

Every sub-command takes --store URL (default: DATABASE_URL, else the embedded SQLite file).
"""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from . import geography as geo
from .catalogue import match_measure
from .exports import tidy_export, to_csv_bytes, to_xlsx_bytes
from .ingest import ingest_paths, load_sample_data
from .model import KINDS
from .names import AREA, LEAVE_OUT, MEASURE, alias_target_name, is_name_key, name_key
from .plausibility import IMPLAUSIBLE
from .problems import UploadRefused
from .store import Store, StoreBusy, StoreFull, batch_ledger


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    store = Store(getattr(args, "store", None))
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


EXAMPLES = {
    "ingest": "python -m data_loaders ingest q1.xlsx q2.xlsx --user 'A Officer'\n"
              "python -m data_loaders ingest hate.xlsx --answer 'measure:Hate crime offences="
              "hate_crimes' --answer 'area:Melton Mowbray=Melton'",
    "uploads": "python -m data_loaders uploads --store sqlite:///var/dashboard.sqlite\n"
               "python -m data_loaders uploads --files",
    "rollback": "python -m data_loaders rollback 31 --user 'A Officer'",
    "restore": "python -m data_loaders restore 31 --user 'A Officer'",
    "withdraw": "python -m data_loaders withdraw 31 --file 2024-03-leicestershire-street.csv "
                "--user 'A Officer'",
    "put-back": "python -m data_loaders put-back 31 --file 2024-03-leicestershire-street.csv "
                "--user 'A Officer'",
    "aliases": "python -m data_loaders aliases\n"
               "python -m data_loaders aliases --withdraw 'measure:hate crime offences'",
    "export": "python -m data_loaders export --indicator hate_crimes --area-type district "
              "--output hate.csv\npython -m data_loaders export --status --partner --format "
              "xlsx --output status.xlsx",
    "seed": "python -m data_loaders seed --store sqlite:///var/dashboard.sqlite",
    "template": "python -m data_loaders template upload-template.xlsx",
}


def _parser() -> argparse.ArgumentParser:
    # --store is accepted before the command and after it (where most people write options):
    # the top-level default is None, and the command's own only overrides it when given.
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", default=argparse.SUPPRESS,
                       help="SQLAlchemy URL of the store (default: DATABASE_URL or the "
                            "embedded SQLite file)")
    parser = argparse.ArgumentParser(prog="python -m data_loaders", parents=[store],
                                     description="Load, list, undo and export dashboard data.",
                                     epilog="Each command's --help shows examples.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, helptext: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=helptext, parents=[store], description=helptext,
                              epilog="examples:\n  " + EXAMPLES[name].replace("\n", "\n  "),
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    ingest = command("ingest", "check and store files, as the Upload page does")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--user", default=getpass.getuser())
    ingest.add_argument("--answer", action="append", default=[], metavar="KEY=VALUE",
                        help="answer a question the files raise, e.g. fy_label=end, or "
                             "'measure:NAME=ID or title' and 'area:NAME=district' for a name "
                             "the dashboard does not know ('leave out' leaves its rows out); "
                             "answers about names are kept as the board's aliases")
    ingest.add_argument("--confirm", action="store_true",
                        help="store even values that cannot look right for their indicator "
                             "(a rate in the hundreds, many times the stored figure), once you "
                             "have checked them: without it they stop the batch")
    ingest.set_defaults(run=_ingest)

    ledger = command("uploads", "the upload ledger: one line per upload (the files stored "
                                "together)")
    ledger.add_argument("--files", action="store_true", help="one line per file instead")
    ledger.set_defaults(run=_uploads)
    aliases = command("aliases", "the board's aliases for officers' own names: what each is "
                                 "read as, who gave it and when")
    aliases.add_argument("--withdraw", metavar="KEY", help="withdraw an alias (its name is "
                                                            "asked about again)")
    aliases.add_argument("--user", default=getpass.getuser())
    aliases.set_defaults(run=_aliases)
    for name, helptext in (("rollback", "undo an upload: every file of it, in one step"),
                           ("restore", "undo a rollback"),
                           ("withdraw", "take one file out of an upload; the others still "
                                        "count"),
                           ("put-back", "undo a withdrawal")):
        status = command(name, helptext)
        status.add_argument("upload_id", type=int, help="the upload's number in the ledger")
        if name in ("withdraw", "put-back"):
            status.add_argument("--file", required=True, help="the file's name, as the "
                                                              "ledger lists it")
        status.add_argument("--user", default=getpass.getuser())
        status.set_defaults(run=_set_status, action=name)

    export = command("export", "current values as tidy rows (or, with --status, the "
                               "judgements)")
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

    command("seed", "load the bundled sample data into an empty store").set_defaults(run=_seed)
    template = command("template", "write the officer's xlsx template")
    template.add_argument("output", type=Path)
    template.set_defaults(run=_template)
    return parser


def _ingest(args, store: Store) -> int:
    try:
        answers = dict(read_answer(a) for a in args.answer)
    except ValueError as wrong:
        print(f"Not stored: {wrong}.", file=sys.stderr)
        return 2
    per_file = {Path(p).name.removesuffix(".gz"): answers for p in args.paths}
    missing = [p for p in args.paths if not p.is_file()]
    if missing:
        print(f"Not stored: {', '.join(map(str, missing))} not found.", file=sys.stderr)
        return 2
    try:
        checked, ids = ingest_paths(args.paths, store, args.user, per_file,
                                    confirmed=args.confirm)
    except UploadRefused as refused:
        print("Not stored: nothing from these files was saved.", file=sys.stderr)
        for problem in refused.problems:
            print(f"  {problem}{_answer_hint(problem)}", file=sys.stderr)
        if any(p.key == IMPLAUSIBLE for p in refused.problems):
            print("  If those figures are right, run this again with --confirm.",
                  file=sys.stderr)
        return 1
    for item in checked:
        parsed, preview = item.parsed, item.preview
        if item.adds_nothing:
            print(f"{parsed.file_name}: already stored in upload "
                  f"{preview.duplicate_of['batch_id']}; nothing added")
            continue
        if item.changes_nothing:
            print(f"{parsed.file_name}: every figure is already stored with the same value; "
                  f"nothing stored ({preview.unchanged} unchanged)")
            continue
        print(f"{parsed.file_name}, "
              f"{KINDS.get(parsed.kind, parsed.kind)}: {len(preview.added)} values added, "
              f"{len(preview.revised)} revised, {preview.unchanged} unchanged"
              + (f", {preview.incidents_new} new incidents" if parsed.incidents is not None
                 else ""))
        for line in parsed.notes + [str(w) for w in parsed.warnings]:
            print(f"  {line}")
    if ids:
        print(f"Stored {len(ids)} file{'s' if len(ids) > 1 else ''} as upload {ids[0]}: "
              f"'rollback {ids[0]}' undoes {'all of them' if len(ids) > 1 else 'it'}.")
    return 0


def read_answer(text: str) -> tuple[str, str]:
    """(key, value) from --answer KEY=VALUE. A name's key is written as the officer wrote
    the name ('measure:Hate crime offences') and its value as an id, a title or a district
    name; both are read as the page reads them. Raises ValueError, saying what is wrong."""
    key, sep, value = text.rpartition("=")
    if not sep or not key.strip() or not value.strip():
        raise ValueError(f"--answer {text!r} is not KEY=VALUE")
    key, value = key.strip(), value.strip()
    kind, _, name = key.partition(":")
    if kind not in (MEASURE, AREA) or not name:
        return key, value
    if value.lower() == LEAVE_OUT:
        return name_key(kind, name), LEAVE_OUT
    found = match_measure(value) if kind == MEASURE else geo.resolve_area_name(value)[0]
    if found is None:
        what = "a measure" if kind == MEASURE else "an area"
        raise ValueError(f"--answer {text!r}: {value!r} is not {what} this dashboard knows")
    return name_key(kind, name), found


def _answer_hint(problem) -> str:
    """How to answer a question from the command line."""
    if problem.severity != "question":
        return ""
    if not is_name_key(problem.key):
        return f" (answer with --answer {problem.key}=<{'|'.join(problem.choices)}>)"
    kind, _, name = problem.key.partition(":")
    # Measures by id (titles have spaces and brackets), areas by name (the reader takes both).
    shown = problem.choices[:3] if kind == MEASURE else problem.labels[:3]
    closest = "|".join([*shown, LEAVE_OUT])
    return f" (answer with --answer '{kind}:{name}=<{closest}>')"


def _aliases(args, store: Store) -> int:
    if args.withdraw:
        try:
            store.withdraw_alias(args.withdraw, args.user)
        except KeyError as missing:
            print(f"Not done: {missing.args[0]}; see the list with "
                  "'python -m data_loaders aliases'.", file=sys.stderr)
            return 1
        print(f"Alias {args.withdraw!r} withdrawn: that name is asked about again.")
        return 0
    held = store.admin_values("alias")
    if held.empty:
        print("No aliases yet: names are added when an upload's question is answered.")
        return 0
    held = held.assign(read_as=[alias_target_name(k, v) for k, v in
                                zip(held["name"], held["value"])])
    print(held[["name", "read_as", "value", "user_name", "at"]]
          .rename(columns={"name": "alias", "value": "id"}).to_string(index=False))
    return 0


def _uploads(args, store: Store) -> int:
    files = store.uploads()
    if files.empty:
        print("No uploads yet.")
        return 0
    if args.files:
        columns = ["batch_id", "upload_id", "file_name", "kind", "rows_added",
                   "rows_revised", "incidents_new", "status"]
        print(files.sort_values(["batch_id", "upload_id"], ascending=[False, True])[columns]
              .rename(columns={"batch_id": "upload", "upload_id": "file_id"})
              .to_string(index=False))
        return 0
    ledger = batch_ledger(files)
    ledger = ledger.assign(files=ledger["files"].map(_files_text),
                           status=[f"{s} ({w} withdrawn)" if w and s != "withdrawn" else s
                                   for s, w in zip(ledger["status"], ledger["withdrawn"])])
    columns = ["batch_id", "uploaded_at", "user_name", "files", "rows_added", "rows_revised",
               "incidents_new", "status"]
    print(ledger[columns].rename(columns={"batch_id": "upload"}).to_string(index=False))
    return 0


def _files_text(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{len(names)} files: {names[0]} .. {names[-1]}"


def _set_status(args, store: Store) -> int:
    try:
        if args.action in ("rollback", "restore"):
            (store.rollback if args.action == "rollback" else store.restore)(args.upload_id,
                                                                           args.user)
            print(f"Upload {args.upload_id} "
                  f"{'rolled back' if args.action == 'rollback' else 'restored'}.")
            return 0
        file_id = _file_of(store, args.upload_id, args.file)
        (store.withdraw if args.action == "withdraw" else store.put_back)(file_id, args.user)
    except KeyError as missing:
        print(f"Not done: {missing.args[0]}.", file=sys.stderr)
        return 1
    print(f"{args.file} {'withdrawn from' if args.action == 'withdraw' else 'put back into'} "
          f"upload {args.upload_id}.")
    return 0


def _file_of(store: Store, batch_id: int, file_name: str) -> int:
    """The id of the file named ``file_name`` in upload ``batch_id``; KeyError saying what
    the upload holds when there is no such file."""
    files = store.uploads()
    mine = files[files["batch_id"] == batch_id]
    if mine.empty:
        raise KeyError(f"there is no upload {batch_id}")
    found = mine.loc[mine["file_name"] == file_name, "upload_id"]
    if found.empty:
        raise KeyError(f"upload {batch_id} has no file {file_name!r}; its files are "
                       + ", ".join(mine.sort_values("upload_id")["file_name"]))
    return int(found.iloc[-1])


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
