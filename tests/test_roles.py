"""Sign-in and roles under AppTest: a faked signed-in user (AppTest.user) and the secrets
(AppTest.secrets) decide what each person gets, afresh on every rerun; admins grant roles and
set the threshold in the app; local mode is one user with every right."""
from __future__ import annotations

import ast

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components.access import email_of, entry_matches, groups_of, role_from_lists
from data_loaders.store import Store

from conftest import ROOT

pytestmark = pytest.mark.app
OLIVE = "olive@leics.example"
SECRETS = {
    "auth": {"redirect_uri": "http://localhost:8501/oauth2callback",
             "cookie_secret": "a-test-cookie-secret-of-enough-length",
             "client_id": "dashboard", "client_secret": "not-a-real-secret",
             "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"},
    "roles": {"contact": "the Community Safety team", "admins": ["ada@leics.example"],
              "officers": [OLIVE], "viewers": ["*@partner.example"],
              "officer_groups": ["csp-officers"]},
}
ADA = {"is_logged_in": True, "email": "ada@leics.example", "name": "Ada Admin"}
OFFICER = {"is_logged_in": True, "email": OLIVE, "name": "Olive Officer"}
VIEWER = {"is_logged_in": True, "email": "pat@partner.example", "name": "Pat Partner"}
STRANGER = {"is_logged_in": True, "email": "sam@elsewhere.example", "name": "Sam"}
RESTRICTED = ["pages/upload.py", "pages/data.py", "pages/admin.py"]


@pytest.fixture()
def open_as(seeded_store_copy, monkeypatch):
    """open_as(user, secrets=SECRETS): the app run once as ``user`` (st.user's claims)."""
    monkeypatch.setenv("DASHBOARD_SQLITE_PATH", str(seeded_store_copy))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DASHBOARD_SMALL_NUMBER_THRESHOLD", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()

    def open_as(user: dict | None, secrets: dict | None = SECRETS) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if secrets:
            at.secrets = {k: dict(v) for k, v in secrets.items()}
        if user is not None:
            at.user = dict(user)
        at.run()
        assert not at.exception, at.exception
        return at

    yield open_as
    st.cache_resource.clear()


def reachable(at: AppTest, page: str) -> bool:
    """Whether navigation offers ``page``: AppTest refuses to switch to an unlisted page."""
    try:
        at.switch_page(page)
    except Exception:
        return False
    return True


def sidebar_text(at: AppTest) -> str:
    return " ".join(c.value for c in at.sidebar.caption)


def shows_no_data(at: AppTest) -> bool:
    return not at.dataframe and not at.metric and not at.get("arrow_vega_lite_chart")


def test_a_visitor_who_is_not_signed_in_gets_only_the_sign_in_button(open_as):
    at = open_as({"is_logged_in": False})
    assert [b.label for b in at.button] == ["Sign in"]
    assert shows_no_data(at)
    assert not reachable(at, "pages/overview.py")


def test_someone_on_no_list_is_told_whom_to_ask_and_sees_nothing(open_as):
    at = open_as(STRANGER)
    warning = at.warning[0].value
    assert "`sam@elsewhere.example`" in warning and "not on the dashboard's list" in warning
    assert "Ask the Community Safety team to add you" in warning
    assert shows_no_data(at)
    assert not any(reachable(at, p) for p in ["pages/overview.py", *RESTRICTED])


def test_a_viewer_gets_the_dashboard_but_no_upload_data_or_admin_page(open_as):
    at = open_as(VIEWER)
    assert at.dataframe  # the scorecard
    assert "Signed in as **Pat Partner (`pat@partner.example`)**, viewer." in sidebar_text(at)
    assert not any(t.key == "partner_view" for t in at.toggle)  # already a partner
    assert not any(reachable(at, p) for p in RESTRICTED)
    assert reachable(at, "pages/actions.py")
    at.switch_page("pages/actions.py").run()
    assert not any(h.value == "Add or update an action" for h in at.header)


def map_table(at):
    return next(f.value for f in at.dataframe if list(f.value.columns)[:1] == ["Name"]
                and "Code" in f.value.columns)


def test_a_viewer_sees_protected_counts_with_no_switch_to_undo_it(open_as):
    at = open_as(VIEWER)
    at.switch_page("pages/asb.py").run()
    at.selectbox(key="area").set_value("E06000017").run()  # Rutland: small beat counts
    counts = map_table(at)["Count"]
    assert not counts.between(1, 4).any()
    assert any(c.value.startswith("🔒 Partners' figures") for c in at.caption)
    assert not any(t.key == "partner_view" for t in at.toggle)


def test_an_officer_and_a_partner_on_the_same_view_each_get_their_own_figures(open_as):
    """Theme sections are cached and shared between sessions: keyed on who is looking, so
    an officer's exact figures never reach a partner, nor a partner's protected ones an
    officer."""
    officer = open_as(OFFICER)
    officer.switch_page("pages/asb.py").run()
    officer.selectbox(key="area").set_value("E06000017").run()
    exact = map_table(officer).set_index("Code")["Count"]
    assert exact.between(1, 4).any()
    assert not any(c.value.startswith("🔒") for c in officer.caption)
    viewer = open_as(VIEWER)
    viewer.switch_page("pages/asb.py").run()
    viewer.selectbox(key="area").set_value("E06000017").run()
    protected = map_table(viewer).set_index("Code")["Count"]
    assert not protected.between(1, 4).any()
    assert (protected[exact.index] != exact).any()
    officer.run()
    assert map_table(officer).set_index("Code")["Count"].equals(exact)


def test_a_new_threshold_reaches_the_cached_theme_sections_at_once(open_as):
    viewer = open_as(VIEWER)
    viewer.switch_page("pages/asb.py").run()
    viewer.selectbox(key="area").set_value("E06000017").run()
    before = map_table(viewer)["Count"]
    assert not before.between(1, 4).any()
    admin = open_as(ADA)
    admin.switch_page("pages/admin.py").run()
    admin.number_input(key="threshold_value").set_value(10)
    next(b for b in admin.button if b.label == "Save the threshold").click().run()
    viewer.run()
    counts = map_table(viewer)["Count"]
    assert not counts.between(1, 9).any() and not counts.equals(before)


def test_a_rerun_reads_the_role_and_the_threshold_once(open_as, monkeypatch):
    """app.py and the page both ask who is looking; the store is read once a run."""
    at = open_as(VIEWER)
    at.switch_page("pages/crime.py").run()
    reads = []
    read_all, read_one = Store.admin_values, Store.admin_value
    monkeypatch.setattr(Store, "admin_values",
                        lambda self, kind: reads.append(kind) or read_all(self, kind))
    monkeypatch.setattr(Store, "admin_value",
                        lambda self, kind, name: reads.append(kind) or read_one(self, kind, name))
    at.selectbox(key="area").set_value("E07000133").run()
    assert not at.exception
    assert sorted(reads) == ["role", "setting"]
    at.run()
    assert len(reads) == 4  # and again on the next run: a removal takes effect at once


def test_an_officer_by_group_gets_the_upload_page_with_no_name_to_type(open_as):
    at = open_as({**VIEWER, "groups": ["csp-officers"]})
    assert "Pat Partner (`pat@partner.example`)**, officer" in sidebar_text(at)
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    assert not any(t.key == "uploader_name" for t in at.text_input)
    assert any("recorded in the ledger as **Pat Partner (`pat@partner.example`)**" in c.value
               for c in at.caption)
    assert not reachable(at, "pages/admin.py")


def test_the_ledger_records_the_signed_in_officer(open_as, seeded_store_copy):
    store = Store(f"sqlite:///{seeded_store_copy}")
    upload = int(store.uploads()["upload_id"].iloc[0])
    at = open_as(OFFICER)
    at.switch_page("pages/data.py").run()
    at.selectbox(key="rollback_choice").set_value(upload).run()
    at.checkbox(key=f"confirm_{upload}_stored").check().run()
    next(b for b in at.button if b.label == "Roll back").click().run()
    assert not at.exception
    events = store.upload_events()
    assert events.iloc[-1][["upload_id", "action", "user_name"]].tolist() == [
        upload, "rolled back", "Olive Officer (olive@leics.example)"]


def test_removing_an_officer_from_the_secrets_takes_effect_on_the_next_rerun(open_as):
    at = open_as(OFFICER)
    at.switch_page("pages/data.py").run()
    assert at.title[0].value == "Data" and at.dataframe
    at.secrets["roles"] = {**SECRETS["roles"], "officers": []}
    at.run()
    assert not at.exception
    assert "not on the dashboard's list" in at.warning[0].value
    assert shows_no_data(at)
    assert not reachable(at, "pages/data.py")


def test_an_officer_moved_to_viewer_loses_upload_on_the_next_rerun(open_as):
    at = open_as(OFFICER)
    assert reachable(at, "pages/upload.py")
    at.secrets["roles"] = {**SECRETS["roles"], "officers": [], "viewers": [OLIVE]}
    at.run()
    assert not reachable(at, "pages/upload.py")
    assert "Olive Officer (`olive@leics.example`)**, viewer." in sidebar_text(at)


def test_the_admin_page_shows_every_role_and_where_it_comes_from(open_as):
    at = open_as(ADA)
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    table = next(f.value for f in at.dataframe if "From" in f.value.columns)
    rows = set(zip(table["Who"], table["Role"], table["From"]))
    assert rows == {("ada@leics.example", "admin", "secrets: admins"),
                    (OLIVE, "officer", "secrets: officers"),
                    ("group csp-officers", "officer", "secrets: officer_groups"),
                    ("*@partner.example", "viewer", "secrets: viewers")}


def grant(at: AppTest, email: str, role: str) -> None:
    at.text_input(key="grant_email").input(email)
    at.selectbox(key="grant_role_choice").set_value(role)
    next(b for b in at.button if b.label == "Grant the role").click().run()
    assert not at.exception


def test_an_admin_grants_a_role_and_withdraws_it_checked_on_every_rerun(open_as,
                                                                         seeded_store_copy):
    newcomer = {"is_logged_in": True, "email": "Nia@Leics.example", "name": "Nia New"}
    assert "not on the dashboard's list" in open_as(newcomer).warning[0].value
    admin = open_as(ADA)
    admin.switch_page("pages/admin.py").run()
    grant(admin, "nia@leics.example", "officer")
    assert any("`nia@leics.example` is now officer" in s.value for s in admin.success)
    table = next(f.value for f in admin.dataframe if "From" in f.value.columns)
    granted = table.set_index("Who").loc["nia@leics.example"]
    assert granted["Role"] == "officer"
    assert granted["From"].startswith("granted in the app by Ada Admin (ada@leics.example)")

    nia = open_as(newcomer)
    assert reachable(nia, "pages/upload.py")
    admin.selectbox(key="withdraw_email").set_value("nia@leics.example").run()
    next(b for b in admin.button if b.label == "Withdraw the role").click().run()
    nia.run()
    assert "not on the dashboard's list" in nia.warning[0].value
    history = Store(f"sqlite:///{seeded_store_copy}").admin_history()
    assert history[["name", "value"]].values.tolist() == [["nia@leics.example", ""],
                                                          ["nia@leics.example", "officer"]]


def test_the_app_cannot_make_an_admin(open_as, seeded_store_copy):
    admin = open_as(ADA)
    admin.switch_page("pages/admin.py").run()
    with pytest.raises(ValueError, match="'admin' is not in list"):  # not offered at all
        grant(admin, "nia@leics.example", "admin")
    assert Store(f"sqlite:///{seeded_store_copy}").admin_history().empty


def test_an_admin_sets_the_threshold_and_partners_see_it_at_once(open_as):
    viewer = open_as(VIEWER)
    viewer.switch_page("pages/about.py").run()
    assert any("from 1 to 4 becomes 0 or 5" in m.value for m in viewer.markdown)
    admin = open_as(ADA)
    admin.switch_page("pages/admin.py").run()
    admin.number_input(key="threshold_value").set_value(10)
    next(b for b in admin.button if b.label == "Save the threshold").click().run()
    assert not admin.exception
    assert any("set in the app by Ada Admin" in c.value for c in admin.caption)
    viewer.run()
    assert any("from 1 to 9 becomes 0 or 10" in m.value for m in viewer.markdown)


def test_local_mode_is_one_user_with_every_right_and_says_so(open_as):
    at = open_as(None, secrets=None)
    assert "**Local mode**: one user on this computer, with every right" in sidebar_text(at)
    assert all(reachable(at, p) for p in RESTRICTED)
    at.switch_page("pages/upload.py").run()
    assert any(t.key == "uploader_name" for t in at.text_input)
    at.switch_page("pages/admin.py").run()
    assert not at.exception
    assert any("Local mode: there is no sign-in" in i.value for i in at.info)


def test_an_allow_list_without_sign_in_shows_nothing_rather_than_local_mode(open_as):
    at = open_as(None, secrets={"roles": SECRETS["roles"]})
    assert "sign-in settings could not be read" in at.error[0].value
    assert shows_no_data(at)
    assert not reachable(at, "pages/upload.py")


def test_every_page_checks_the_role_before_anything_else():
    """On a fresh server Streamlit can run a page file without app.py, so each page's first
    statement after its imports is require_role, with the role the page needs."""
    needs = {"upload": "officer", "data": "officer", "admin": "admin"}
    for path in sorted((ROOT / "pages").glob("*.py")):
        body = [n for n in ast.parse(path.read_text(encoding="utf-8")).body
                if not isinstance(n, (ast.Import, ast.ImportFrom))
                and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        first = body[0].value if isinstance(body[0], (ast.Expr, ast.Assign)) else None
        assert isinstance(first, ast.Call) and getattr(first.func, "id", "") == "require_role", \
            path.name
        assert first.args[0].value == needs.get(path.stem, "viewer"), path.name


# -- the allow-list itself --------------------------------------------------------------------

def test_the_highest_matching_role_wins_from_any_source():
    roles = {"admins": ["ada@x.org"], "officers": ["*@x.org"], "viewers": ["ada@x.org"],
             "viewer_groups": ["partners"]}
    assert role_from_lists("ada@x.org", set(), roles, {})[0] == "admin"
    assert role_from_lists("bo@x.org", {"partners"}, roles, {}) == (
        "officer", "secrets: officers (*@x.org)")
    assert role_from_lists("cy@y.org", {"partners"}, roles, {"cy@y.org": "officer"}) == (
        "officer", "granted in the app")
    assert role_from_lists("cy@y.org", set(), roles, {}) == (None, "")


def test_wildcards_are_whole_domains_and_never_make_admins():
    assert entry_matches("ann@leics.gov.uk", "*@LEICS.gov.uk")
    assert not entry_matches("ann@sub.leics.gov.uk", "*@leics.gov.uk")
    assert not entry_matches("", "*@leics.gov.uk")
    assert role_from_lists("ann@leics.gov.uk", set(), {"admins": ["*@leics.gov.uk"]}, {}) == (
        None, "")


def test_claims_give_the_email_and_groups_the_way_entra_id_sends_them():
    assert email_of({"preferred_username": "Ann@Leics.gov.uk"}) == "ann@leics.gov.uk"
    assert email_of({"email_verified": False, "email": "x@y.org"}) == ""
    assert email_of({"preferred_username": "not-an-address"}) == ""
    assert groups_of({"groups": ["a", "b"]}) == {"a", "b"}
    assert groups_of({"roles": "Officer"}, "roles") == {"Officer"}
