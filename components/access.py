"""Who is looking, and so what they may see and do: the one place for sign-in and roles.

Local mode (no secrets at all): one user on this computer with every right, labelled so in the
sidebar. With an [auth] table in the secrets, people sign in with Streamlit's OpenID Connect
login (st.login) and their role comes from the [roles] allow-list in the secrets (e-mail
addresses, *@domain wildcards, groups from the ID token) or from a grant an admin made in the
app; both are read again on every rerun, so a removal takes effect at once. Viewers are
partners; officers may also upload, roll back and keep the action log; admins may also manage
roles and settings. The sidebar's partner preview only ever lowers what the screen shows.
"""
from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from data_loaders.store import THRESHOLD_SETTING, THRESHOLD_VARIABLE  # noqa: F401 (re-exported)

from .session import get_store, this_run

ROLES = ("viewer", "officer", "admin")  # each has every right of the roles before it
PLURAL = {"viewer": "people on the dashboard's list", "officer": "officers",
          "admin": "admins"}
GRANTABLE = ("viewer", "officer")  # in the app; admins are named in the secrets only
THRESHOLD_RANGE = (3, 20)
DEFAULT_CONTACT = "the dashboard's administrator"
PERSON_KEY, THRESHOLD_KEY = "_access_person", "_access_threshold"  # resolved once per run
RUN_KEY = "_access_run"  # the run they were resolved in
PARTNER_VIEW = "partner_view"
EMAIL_IN_TEXT = re.compile(r"[^\s()`*]+@[^\s()`*]*[^\s()`*.,;:]")


@dataclass(frozen=True)
class Person:
    """Who is looking. ``role`` is None when nobody may see anything: signed out, on no
    list, or the secrets could not be read (``mode`` says which)."""

    role: str | None
    mode: str  # local | signed in | signed out | unreadable secrets
    name: str = ""
    email: str = ""
    source: str = ""  # where the role comes from, in words
    contact: str = DEFAULT_CONTACT

    @property
    def label(self) -> str:
        """'Name (e-mail)': what the ledger records for someone signed in."""
        if self.name and self.email and self.name.lower() != self.email:
            return f"{self.name} ({self.email})"
        return self.email or self.name or "someone signed in with no name or e-mail"


# -- the allow-list: pure functions ---------------------------------------------------------

def email_of(claims: Mapping) -> str:
    """The signed-in e-mail address in lower case ('' if the ID token has none, or the
    provider says it is unverified). Entra ID puts it in email or preferred_username.

    >>> email_of({"email": "Ann.Officer@Leics.gov.uk"})
    'ann.officer@leics.gov.uk'
    >>> email_of({"email": "ann@example.org", "email_verified": False})
    ''
    """
    if claims.get("email_verified") in (False, "false"):
        return ""
    email = str(claims.get("email") or claims.get("preferred_username") or "").strip().lower()
    return email if "@" in email else ""


def groups_of(claims: Mapping, claim: str = "groups") -> set[str]:
    """The groups in the ID token's ``claim`` (a list, or one string)."""
    value = claims.get(claim) or []
    return {str(value)} if isinstance(value, str) else {str(v) for v in value}


def entry_matches(email: str, entry: str, wildcard_ok: bool = True) -> bool:
    """An allow-list entry is an e-mail address, or '*@domain' for everyone at that domain
    (not its subdomains).

    >>> entry_matches("ann@leics.gov.uk", "*@leics.gov.uk")
    True
    >>> entry_matches("ann@evil-leics.gov.uk", "*@leics.gov.uk")
    False
    >>> entry_matches("ann@leics.gov.uk", "*@leics.gov.uk", wildcard_ok=False)
    False
    """
    entry = entry.strip().lower()
    if not email:
        return False
    if entry.startswith("*@"):
        return wildcard_ok and email.rsplit("@", 1)[1] == entry[2:]
    return email == entry


def role_from_lists(email: str, groups: set[str], roles: Mapping,
                    grants: Mapping[str, str]) -> tuple[str | None, str]:
    """The highest role that the [roles] secrets (``admins``, ``officers``, ``viewers``: e-mail
    addresses or *@domain; ``admin_groups``, ``officer_groups``, ``viewer_groups``) or the
    app's grants (e-mail -> role) give, and where it comes from in words. Wildcards never
    make an admin.

    >>> role_from_lists("bo@x.org", {"g1"}, {"viewers": ["*@x.org"], "officer_groups": ["g1"]},
    ...                 {})
    ('officer', 'secrets: officer_groups (g1)')
    >>> role_from_lists("cy@x.org", set(), {"admins": ["*@x.org"]}, {"cy@x.org": "viewer"})
    ('viewer', 'granted in the app')
    """
    for role in reversed(ROLES):
        for entry in _listed(roles, f"{role}s"):
            if entry_matches(email, entry, wildcard_ok=role != "admin"):
                return role, f"secrets: {role}s ({entry})"
        for group in _listed(roles, f"{role}_groups"):
            if group in groups:
                return role, f"secrets: {role}_groups ({group})"
        if role in GRANTABLE and grants.get(email) == role:
            return role, "granted in the app"
    return None, ""


def _listed(roles: Mapping, key: str) -> list[str]:
    value = roles.get(key) or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def has_role(role: str | None, needed: str) -> bool:
    """Whether ``role`` carries the rights of ``needed`` (None carries none)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def roles_table(roles: Mapping, grants: pd.DataFrame) -> pd.DataFrame:
    """Every allow-list entry, for the admin page: Who, Role, From (secrets or the app, by
    whom and when), Note (why an entry does nothing)."""
    rows = []
    for role in reversed(ROLES):
        for entry in _listed(roles, f"{role}s"):
            ignored = role == "admin" and entry.strip().startswith("*@")
            rows.append((entry, role, f"secrets: {role}s",
                         "ignored: admins are named one by one" if ignored else ""))
        for group in _listed(roles, f"{role}_groups"):
            rows.append((f"group {group}", role, f"secrets: {role}_groups", ""))
    for grant in grants.itertuples():
        rows.append((grant.name, grant.value,
                     f"granted in the app by {grant.user_name}, {str(grant.at)[:10]}", ""))
    return pd.DataFrame(rows, columns=["Who", "Role", "From", "Note"])


# -- who is looking now ---------------------------------------------------------------------

class _Unreadable(Exception):
    """A secrets file exists but cannot be read: never fall back to local mode."""


def _secrets() -> dict | None:
    """The secrets as a plain dict, None when there are none at all (local mode)."""
    try:
        return st.secrets.to_dict()
    except StreamlitSecretNotFoundError as exc:
        if getattr(exc, "error_id", None) == "no-secrets-found":
            return None
        raise _Unreadable(str(exc)) from exc


def roles_config() -> dict:
    """The [roles] table of the secrets, read afresh ({} when there is none)."""
    try:
        return dict((_secrets() or {}).get("roles") or {})
    except _Unreadable:
        return {}


def identify() -> Person:
    """Who is signed in and their role, read afresh from st.user, the secrets and the store's
    grants (one small query). Writes call this every time, never a value kept earlier."""
    try:
        secrets = _secrets()
    except _Unreadable:
        return Person(None, "unreadable secrets")
    if not secrets or "auth" not in secrets:
        if secrets and "roles" in secrets:  # an allow-list without sign-in: fail closed
            return Person(None, "unreadable secrets")
        return Person("admin", "local", source="local mode")
    roles = secrets.get("roles") or {}
    contact = str(roles.get("contact") or DEFAULT_CONTACT)
    claims = st.user.to_dict()
    if not claims.get("is_logged_in"):
        return Person(None, "signed out", contact=contact)
    email = email_of(claims)
    grants = get_store().admin_values("role")
    role, source = role_from_lists(email, groups_of(claims, roles.get("groups_claim", "groups")),
                                   roles, dict(zip(grants["name"], grants["value"])))
    return Person(role, "signed in", str(claims.get("name") or ""), email, source, contact)


def start_run() -> Person:
    """Resolve who is looking and the threshold once at the top of a run, for display code
    (which asks many times per run); returns the person. app.py calls it, then the page's
    require_role: the second call in the same run reuses the first (two reads of the store
    were about 8 ms of every filter change); a page run without app.py resolves its own."""
    run = this_run()
    if run is not None and st.session_state.get(RUN_KEY) is run:
        return st.session_state[PERSON_KEY]
    person = identify()
    st.session_state[PERSON_KEY] = person
    st.session_state[THRESHOLD_KEY] = threshold_setting()[0]
    st.session_state[RUN_KEY] = run
    return person


def current_person() -> Person:
    """The person resolved at the top of this run."""
    return st.session_state.get(PERSON_KEY) or identify()


def current_role() -> str | None:
    """The role the screen is drawn for: the partner preview lowers an officer's or an
    admin's to viewer."""
    role = current_person().role
    if role is not None and st.session_state.get(PARTNER_VIEW):
        return "viewer"
    return role


def allowed(needed: str) -> bool:
    """Whether the screen, as drawn now, offers what ``needed`` may do."""
    return has_role(current_role(), needed)


def hides_small_numbers() -> bool:
    """Small numbers are hidden unless an officer or admin looks without the preview."""
    fixed = _drawing_for.get()
    return fixed[0] if fixed is not None else not allowed("officer")


# (small numbers hidden, threshold) for views worked out away from any session
# (cache.RecentWork, for new data): the audience each was first drawn for.
_drawing_for: contextvars.ContextVar = contextvars.ContextVar("drawing_for", default=None)


@contextlib.contextmanager
def drawing_for(audience: tuple[bool, int] | None):
    """Within it (in this thread only), hides_small_numbers and suppression_threshold answer
    for ``audience`` (None: as they otherwise would)."""
    token = _drawing_for.set(audience)
    try:
        yield
    finally:
        _drawing_for.reset(token)


def recorded_name(person: Person) -> str:
    """Who the ledger records: the signed-in name and e-mail; in local mode the name typed on
    the Upload page (key uploader_name), else 'local user'."""
    if person.mode == "signed in":
        return person.label
    return str(st.session_state.get("uploader_name") or "").strip() or "local user"


# -- settings ---------------------------------------------------------------------------------

def threshold_setting() -> tuple[int, str]:
    """(threshold, where it comes from): Store.small_number_threshold. Read afresh."""
    return get_store().small_number_threshold()


def suppression_threshold() -> int:
    """Counts from 1 to this minus 1 are hidden from partners (see threshold_setting)."""
    fixed = _drawing_for.get()
    if fixed is not None:
        return fixed[1]
    value = st.session_state.get(THRESHOLD_KEY)
    return int(value) if value is not None else threshold_setting()[0]


# -- on screen --------------------------------------------------------------------------------

def quote_emails(text: str) -> str:
    """Markdown with every e-mail address as code: Streamlit's markdown would make each a
    mailto link, whose colour on a caption fails WCAG contrast.

    >>> quote_emails("Signed in as Ann (ann@x.org). Ask bo@x.org.")
    'Signed in as Ann (`ann@x.org`). Ask `bo@x.org`.'
    """
    return EMAIL_IN_TEXT.sub(lambda m: f"`{m.group(0)}`", text)


def require_role(needed: str = "viewer") -> Person:
    """A page's first line: stop with a plain page unless the person signed in now has
    ``needed``. Pages check for themselves because, on a fresh server, Streamlit runs a
    page for its file-name URL (/upload) without app.py."""
    person = start_run()
    if person.role is None:
        render_gate(person)
        st.stop()
    if not has_role(person.role, needed):
        st.title("Not available")
        st.error(f"This page is for {PLURAL[needed]}. You are signed in as a {person.role}.")
        st.stop()
    return person


def render_gate(person: Person | None = None) -> None:
    """The page for someone who may see nothing: sign in, not on the list, or broken
    secrets. It shows no data."""
    person = person or current_person()
    st.title("Safer Communities Performance")
    if person.mode == "unreadable secrets":
        st.error("The dashboard's sign-in settings could not be read, so nothing is shown. "
                 f"Ask {DEFAULT_CONTACT} to check the secrets file.")
    elif person.mode == "signed out":
        st.markdown("The performance dashboard of the Leicestershire and Rutland Safer "
                    "Communities Strategy Board. Sign in with your work account to see it.")
        providers = _providers()
        for provider in providers:
            label = "Sign in" if len(providers) == 1 else f"Sign in with {provider.title()}"
            if st.button(label, type="primary", key=f"sign_in_{provider}"):
                st.login(None if provider == "default" else provider)
    else:
        who = person.email or person.name or "an account with no e-mail address"
        st.warning(quote_emails(f"You are signed in as {who}, but you are not on the "
                                f"dashboard's list. Ask {person.contact} to add you."))
        if st.button("Sign out", key="sign_out_gate"):
            st.logout()


def _providers() -> list[str]:
    """The [auth] providers: named subtables ([auth.microsoft]), else the default one."""
    auth = (_secrets() or {}).get("auth", {})
    named = [k for k, v in auth.items() if isinstance(v, dict)
             and ("client_id" in v or "server_metadata_url" in v)]
    return named or ["default"]


def render_identity() -> None:
    """The sidebar's line on who is looking, sign-out, and the partner preview."""
    person = current_person()
    if person.mode == "local":
        st.caption("**Local mode**: one user on this computer, with every right; no sign-in. "
                   "Set up sign-in before anyone else can reach it (docs/deploying.md: Sign-in and "
                   "roles).")
    else:
        st.caption(quote_emails(f"Signed in as **{person.label}**, {person.role}."))
        if st.button("Sign out", key="sign_out"):
            st.logout()
    if has_role(person.role, "officer"):
        st.toggle("Show as partners see it", key=PARTNER_VIEW,
                  help="Hides small numbers as partners see them, and the upload, data and "
                       "admin pages. Use it when presenting to a room.")
