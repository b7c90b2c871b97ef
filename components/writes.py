"""Every write the app makes to the store goes through here. Each function asks who is signed
in now (access.identify: st.user, the secrets and the store's grants, read afresh, never a
role kept from earlier in the session) and refuses, writing nothing, unless they hold the
role, whatever the page did. The ledger records the signed-in person, not a typed name.
tests/test_writes.py fails if a page or component writes to the store any other way. A
change to the data is shown at once to the session that made it (cache.show_newest)."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .access import (GRANTABLE, PLURAL, THRESHOLD_RANGE, THRESHOLD_SETTING, Person, has_role,
                     identify, recorded_name)
from .cache import get_store, show_newest

if TYPE_CHECKING:  # the readers are imported when first used: app.py imports this module
    # for WriteRefused on every page, and start-up is measured against a bare app
    from data_loaders.ingest import Checked
    from data_loaders.model import ParsedFile

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class WriteRefused(PermissionError):
    """The person signed in may not make this change; the message says so in plain words.
    app.py shows it on the page."""


def _as(needed: str, doing: str) -> Person:
    """The person signed in now, if they hold ``needed``; else WriteRefused."""
    person = identify()
    if has_role(person.role, needed):
        return person
    if person.mode == "signed out":
        who = "you are not signed in"
    elif person.role is None:
        who = "you are not on the dashboard's list"
    else:
        who = f"you are signed in as a {person.role}"
    raise WriteRefused(f"Only {PLURAL[needed]} can {doing}, and {who}. Nothing was changed.")


# -- officers ---------------------------------------------------------------------------------

def store_upload(checked: list[Checked]) -> list[int]:
    """Store a checked batch (all or nothing) as one upload; returns its file ids, the first
    of which numbers the upload. Raises what ingest.store_checked raises."""
    from data_loaders.ingest import store_checked

    person = _as("officer", "store uploads")
    ids = store_checked(checked, get_store(), recorded_name(person), save_frames=True)
    show_newest()
    return ids


def log_refusals(parsed_files: list[ParsedFile]) -> None:
    """Record refused files in the refusals log."""
    person = _as("officer", "upload files")
    get_store().log_refusals(parsed_files, recorded_name(person))


def rollback_upload(batch_id: int) -> None:
    """Roll back an upload: every file stored with it, in one step."""
    person = _as("officer", "roll back uploads")
    get_store().rollback(batch_id, recorded_name(person))
    show_newest()


def restore_upload(batch_id: int) -> None:
    person = _as("officer", "restore uploads")
    get_store().restore(batch_id, recorded_name(person))
    show_newest()


def withdraw_file(file_id: int) -> None:
    """Take one file out of its upload; the upload's other files still count."""
    person = _as("officer", "withdraw files")
    get_store().withdraw(file_id, recorded_name(person))
    show_newest()


def put_back_file(file_id: int) -> None:
    person = _as("officer", "put files back")
    get_store().put_back(file_id, recorded_name(person))
    show_newest()


def save_action(fields: dict, number: int | None = None) -> int:
    """Add an action (number None) or a new version of one; returns its number."""
    person = _as("officer", "change the action log")
    saved = get_store().save_action(fields, recorded_name(person), number)
    show_newest()
    return saved


def freeze_snapshot(name: str) -> int:
    person = _as("officer", "freeze board snapshots")
    return get_store().create_snapshot(name, recorded_name(person))


def record_definition_change(indicator_id: str, period_start: str, note: str) -> int:
    person = _as("officer", "record definition changes")
    change_id = get_store().record_definition_change(indicator_id, period_start, note,
                                                     recorded_name(person))
    show_newest()
    return change_id


def withdraw_definition_change(change_id: int) -> None:
    person = _as("officer", "withdraw definition changes")
    get_store().withdraw_definition_change(change_id, recorded_name(person))
    show_newest()


def withdraw_alias(key: str) -> None:
    """Withdraw one of the board's aliases: the name is asked about again at the next
    upload. Nothing stored changes."""
    person = _as("officer", "withdraw aliases")
    get_store().withdraw_alias(key, recorded_name(person))


# -- admins -----------------------------------------------------------------------------------

def grant_role(email: str, role: str) -> str:
    """Give an e-mail address the viewer or officer role (admins are named in the secrets
    only); returns the address as stored. Raises ValueError for a bad address or role."""
    person = _as("admin", "grant roles")
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise ValueError(f"'{email}' is not an e-mail address")
    if role not in GRANTABLE:
        raise ValueError(f"the app grants {' or '.join(GRANTABLE)}; name admins in the secrets")
    get_store().record_admin_change("role", email, role, recorded_name(person))
    return email


def withdraw_role(email: str) -> None:
    """Withdraw a role granted in the app (roles from the secrets stay)."""
    person = _as("admin", "withdraw roles")
    get_store().record_admin_change("role", email.strip().lower(), "", recorded_name(person))


def set_threshold(value: int) -> None:
    """Set the small-number threshold for everyone. Raises ValueError outside
    THRESHOLD_RANGE."""
    person = _as("admin", "change settings")
    low, high = THRESHOLD_RANGE
    if not low <= int(value) <= high:
        raise ValueError(f"the threshold must be from {low} to {high}")
    get_store().record_admin_change("setting", THRESHOLD_SETTING, str(int(value)),
                                    recorded_name(person))
