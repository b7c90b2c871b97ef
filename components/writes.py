"""Every write the app makes to the store goes through here. Each function asks who is signed
in now (access.identify: st.user, the secrets and the store's grants, read afresh, never a
role kept from earlier in the session) and refuses, writing nothing, unless they hold the
role, whatever the page did. The ledger records the signed-in person, not a typed name.
tests/test_writes.py fails if a page or component writes to the store any other way. A
store that cannot take a change (busy, full) is said in plain words (WriteFailed). A change
to the data is shown at once to the session that made it (cache.show_newest)."""
from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

from data_loaders.store import StoreBusy, StoreFull

from .access import (
    GRANTABLE,
    PLURAL,
    THRESHOLD_RANGE,
    THRESHOLD_SETTING,
    has_role,
    identify,
    recorded_name,
)
from .cache import show_newest
from .session import get_store

if TYPE_CHECKING:  # the readers are imported when first used: app.py imports this module
    # for WriteRefused on every page, and start-up is measured against a bare app
    from data_loaders.ingest import Checked
    from data_loaders.model import ParsedFile

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class WriteRefused(PermissionError):
    """The person signed in may not make this change; the message says so in plain words.
    app.py shows it on the page."""


class WriteFailed(RuntimeError):
    """The store could not take the change (busy or full) and nothing was changed; the
    message says so and what to do, in plain words. app.py shows it on the page."""


@contextlib.contextmanager
def _as(needed: str, doing: str):
    """The person signed in now, if they hold ``needed`` (else WriteRefused); a store that
    cannot take the change (another writer holds it, its disk is full) raises WriteFailed
    in plain words, whichever write it was."""
    person = identify()
    if not has_role(person.role, needed):
        if person.mode == "signed out":
            who = "you are not signed in"
        elif person.role is None:
            who = "you are not on the dashboard's list"
        else:
            who = f"you are signed in as a {person.role}"
        raise WriteRefused(f"Only {PLURAL[needed]} can {doing}, and {who}. Nothing was "
                           "changed.")
    try:
        yield person
    except StoreBusy:
        raise WriteFailed(f"The database is busy with another change, so nothing was changed "
                          f"(you tried to {doing}). Try again in a moment.") from None
    except StoreFull:
        raise WriteFailed(f"The server's disk is full, so nothing was changed (you tried to "
                          f"{doing}) and everything stored before is intact. Ask the "
                          "dashboard's administrator to free some space, then try again."
                          ) from None


# -- officers ---------------------------------------------------------------------------------

def store_upload(checked: list[Checked]) -> list[int]:
    """Store a checked batch (all or nothing) as one upload; returns its file ids, the first
    of which numbers the upload. Raises UploadRefused as ingest.store_checked does."""
    from data_loaders.ingest import store_checked

    with _as("officer", "store uploads") as person:
        ids = store_checked(checked, get_store(), recorded_name(person), save_frames=True)
        show_newest()
        return ids


def log_refusals(parsed_files: list[ParsedFile]) -> None:
    """Record refused files in the refusals log."""
    with _as("officer", "upload files") as person:
        get_store().log_refusals(parsed_files, recorded_name(person))


def rollback_upload(batch_id: int) -> None:
    """Roll back an upload: every file stored with it, in one step."""
    with _as("officer", "roll back uploads") as person:
        get_store().rollback(batch_id, recorded_name(person))
        show_newest()


def restore_upload(batch_id: int) -> None:
    with _as("officer", "restore uploads") as person:
        get_store().restore(batch_id, recorded_name(person))
        show_newest()


def withdraw_file(file_id: int) -> None:
    """Take one file out of its upload; the upload's other files still count."""
    with _as("officer", "withdraw files") as person:
        get_store().withdraw(file_id, recorded_name(person))
        show_newest()


def put_back_file(file_id: int) -> None:
    with _as("officer", "put files back") as person:
        get_store().put_back(file_id, recorded_name(person))
        show_newest()


def save_action(fields: dict, number: int | None = None) -> int:
    """Add an action (number None) or a new version of one; returns its number."""
    with _as("officer", "change the action log") as person:
        saved = get_store().save_action(fields, recorded_name(person), number)
        show_newest()
        return saved


def freeze_snapshot(name: str) -> int:
    with _as("officer", "freeze board snapshots") as person:
        return get_store().create_snapshot(name, recorded_name(person))


def record_definition_change(indicator_id: str, period_start: str, note: str) -> int:
    with _as("officer", "record definition changes") as person:
        change_id = get_store().record_definition_change(indicator_id, period_start, note,
                                                         recorded_name(person))
        show_newest()
        return change_id


def withdraw_definition_change(change_id: int) -> None:
    with _as("officer", "withdraw definition changes") as person:
        get_store().withdraw_definition_change(change_id, recorded_name(person))
        show_newest()


def withdraw_alias(key: str) -> None:
    """Withdraw one of the board's aliases: the name is asked about again at the next
    upload. Nothing stored changes."""
    with _as("officer", "withdraw aliases") as person:
        get_store().withdraw_alias(key, recorded_name(person))


# -- admins -----------------------------------------------------------------------------------

def grant_role(email: str, role: str) -> str:
    """Give an e-mail address the viewer or officer role (admins are named in the secrets
    only); returns the address as stored. Raises ValueError for a bad address or role."""
    with _as("admin", "grant roles") as person:
        email = email.strip().lower()
        if not EMAIL.match(email):
            raise ValueError(f"'{email}' is not an e-mail address")
        if role not in GRANTABLE:
            raise ValueError(f"the app grants {' or '.join(GRANTABLE)}; name admins in the "
                             "secrets")
        get_store().record_admin_change("role", email, role, recorded_name(person))
        return email


def withdraw_role(email: str) -> None:
    """Withdraw a role granted in the app (roles from the secrets stay)."""
    with _as("admin", "withdraw roles") as person:
        get_store().record_admin_change("role", email.strip().lower(), "",
                                        recorded_name(person))


def set_threshold(value: int) -> None:
    """Set the small-number threshold for everyone. Raises ValueError outside
    THRESHOLD_RANGE."""
    with _as("admin", "change settings") as person:
        low, high = THRESHOLD_RANGE
        if not low <= int(value) <= high:
            raise ValueError(f"the threshold must be from {low} to {high}")
        get_store().record_admin_change("setting", THRESHOLD_SETTING, str(int(value)),
                                        recorded_name(person))
