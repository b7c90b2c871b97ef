"""The guarded write layer: every store write from the app goes through components/writes.py,
whose functions check the role of the person signed in at that moment and write nothing
for anyone without it."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from components import writes
from data_loaders import schema
from data_loaders.store import Store, StoreBusy, StoreFull

from conftest import ROOT
from test_roles import OFFICER, SECRETS, VIEWER

pytestmark = pytest.mark.app
STORE_SOURCE = ROOT / "data_loaders" / "store.py"
# The first start on an empty store loads the bundled sample data: no person, no choice.
ALLOWED = {("components/cache.py", "load_sample_data")}


def _writes_in_store() -> set[str]:
    """Store methods that write: they open a transaction, or call a method that does."""
    tree = ast.parse(STORE_SOURCE.read_text(encoding="utf-8"))
    store = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Store")
    calls = {}
    for method in (n for n in store.body if isinstance(n, ast.FunctionDef)):
        calls[method.name] = {c.func.attr for c in ast.walk(method) if isinstance(c, ast.Call)
                              and isinstance(c.func, ast.Attribute)}
    found = {name for name, called in calls.items() if called & {"_writing", "begin"}}
    while True:
        more = {name for name, called in calls.items() if called & found} - found
        if not more:
            return {name for name in found if not name.startswith("_")}
        found |= more


def _writers_in_data_loaders(store_writes: set[str]) -> set[str]:
    """Functions in data_loaders/ that call a store write, directly or through each other."""
    calls = {}
    for path in (ROOT / "data_loaders").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name == "Store":
                continue
            if isinstance(node, ast.FunctionDef):
                calls.setdefault(node.name, set()).update(_called_names(node))
    found: set[str] = set()
    while True:
        more = {n for n, called in calls.items() if called & (store_writes | found)} - found
        if not more:
            return found - store_writes
        found |= more


def _called_names(node) -> set[str]:
    """Functions called, and functions handed to a call to run (a worker child's job)."""
    names = set()
    for call in (c for c in ast.walk(node) if isinstance(c, ast.Call)):
        if isinstance(call.func, ast.Attribute):
            names.add(call.func.attr)
        elif isinstance(call.func, ast.Name):
            names.add(call.func.id)
        names.update(arg.id for arg in call.args if isinstance(arg, ast.Name))
    return names


def _direct_writes(path: Path, store_writes: set[str], writers: set[str]) -> list[str]:
    """Calls in ``path`` that reach the store's writes other than through components.writes:
    a store write method on anything but the writes module, a data_loaders writer, or a
    getattr on the store (a write chosen by name)."""
    found = []
    for call in (c for c in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(c, ast.Call)):
        func, name = call.func, None
        if isinstance(func, ast.Attribute) and func.attr in store_writes | writers and not (
                isinstance(func.value, ast.Name) and func.value.id == "writes"):
            name = func.attr
        elif isinstance(func, ast.Name) and func.id in writers:
            name = func.id
        elif handed := [a.id for a in call.args if isinstance(a, ast.Name) and a.id in writers]:
            name = handed[0]  # a writer run elsewhere, e.g. in a worker child
        elif isinstance(func, ast.Name) and func.id == "getattr" and call.args and any(
                isinstance(n, ast.Name) and n.id in ("get_store", "Store")
                for n in ast.walk(call.args[0])):
            name = "getattr"
        relative = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        if name and (relative, name) not in ALLOWED:
            found.append(f"{relative}:{call.lineno} {name}")
    return found


def test_pages_and_components_write_to_the_store_only_through_components_writes():
    store_writes = _writes_in_store()
    writers = _writers_in_data_loaders(store_writes)
    # The derivation finds what we know is there, so it cannot silently find nothing.
    assert {"commit", "rollback", "restore", "save_action", "create_snapshot",
            "record_definition_change", "withdraw_definition_change", "log_refusals",
            "record_admin_change"} <= store_writes
    assert {"store_checked", "commit_batch", "ingest_paths", "load_sample_data"} <= writers
    scanned = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
               *sorted(p for p in (ROOT / "components").glob("*.py") if p.name != "writes.py")]
    assert [f for path in scanned for f in _direct_writes(path, store_writes, writers)] == []


def test_the_scan_catches_a_direct_write(tmp_path):
    """The scan above is not vacuous: each way round the write layer is caught."""
    page = tmp_path / "page.py"
    page.write_text("get_store().rollback(1, 'x')\nstore_checked(c, s, 'x')\n"
                    "getattr(get_store(), action)(1, 'x')\nwrites.save_action({}, 1)\n"
                    "pool().run(commit_batch, (url, files, 'x'), limits, confirm=True)\n")
    store_writes = _writes_in_store()
    found = _direct_writes(page, store_writes, _writers_in_data_loaders(store_writes))
    assert sorted(f.split(" ")[1] for f in found) == ["commit_batch", "getattr", "rollback",
                                                      "store_checked"]


def _fingerprint(path: Path) -> dict[str, int]:
    """Rows in every table of the store."""
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        counts = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                  for t in schema.metadata.sorted_tables}
    engine.dispose()
    return counts


def try_every_write():
    """Run as an app script: call each guarded write and say what happened."""
    import streamlit as st

    from components import writes
    from components.session import get_store
    from data_loaders.ingest import check_files

    store = get_store()
    clean = check_files([("fix.csv", b"District,Period,Measure,Value\n"
                                     b"Melton,Q3 2023/24,Hate crimes,9.99\n")], store)
    bad = check_files([("bad.csv", b"District,Period,Measure,Value\n"
                                   b"Melton,Q3 2023/24,Parking tickets,4\n")], store)
    upload = int(store.uploads()["upload_id"].iloc[0])
    action = {"raised_on": "2024-01-01", "action": "Try", "officer": "Me", "comments": "",
              "status": "Red", "themes": [], "indicators": []}
    attempts = {
        "store_upload": lambda: writes.store_upload(clean),
        "log_refusals": lambda: writes.log_refusals([c.parsed for c in bad]),
        "rollback_upload": lambda: writes.rollback_upload(upload),
        "restore_upload": lambda: writes.restore_upload(upload),
        "withdraw_file": lambda: writes.withdraw_file(upload),
        "put_back_file": lambda: writes.put_back_file(upload),
        "save_action": lambda: writes.save_action(action),
        "freeze_snapshot": lambda: writes.freeze_snapshot("Board"),
        "record_definition_change": lambda: writes.record_definition_change(
            "hate_crimes", "2023-04-01", "new rules"),
        "withdraw_definition_change": lambda: writes.withdraw_definition_change(1),
        "withdraw_alias": lambda: writes.withdraw_alias("measure:parking tickets"),
        "grant_role": lambda: writes.grant_role("x@partner.example", "officer"),
        "withdraw_role": lambda: writes.withdraw_role("x@partner.example"),
        "set_threshold": lambda: writes.set_threshold(3),
    }
    for name, attempt in attempts.items():
        try:
            attempt()
            st.markdown(f"{name}: done")
        except writes.WriteRefused as refused:
            st.markdown(f"{name}: refused: {refused}")


GUARDED = sorted(name for name, f in inspect.getmembers(writes, inspect.isfunction)
                 if f.__module__ == writes.__name__ and not name.startswith("_"))


@pytest.fixture()
def store_file(seeded_store_copy, monkeypatch):
    monkeypatch.setenv("DASHBOARD_SQLITE_PATH", str(seeded_store_copy))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    # An alias for withdraw_alias to withdraw.
    Store(f"sqlite:///{seeded_store_copy}").save_aliases(
        {"measure:parking tickets": "leave out"}, "An Officer")
    st.cache_resource.clear()
    yield seeded_store_copy
    st.cache_resource.clear()


def run_as(script, user: dict, secrets: dict = SECRETS) -> dict[str, str]:
    at = AppTest.from_function(script, default_timeout=60)
    at.secrets = {k: dict(v) for k, v in secrets.items()}
    at.user = dict(user)
    at.run()
    assert not at.exception, at.exception
    return dict(m.value.split(": ", 1) for m in at.markdown)


def test_a_viewer_calling_every_write_is_refused_and_nothing_is_stored(store_file):
    before = _fingerprint(store_file)
    said = run_as(try_every_write, VIEWER)
    assert sorted(said) == GUARDED  # every guarded write was tried
    assert {name: text.split(":")[0] for name, text in said.items()} == dict.fromkeys(
        GUARDED, "refused")
    assert said["rollback_upload"] == ("refused: Only officers can roll back uploads, and you "
                                       "are signed in as a viewer. Nothing was changed.")
    assert _fingerprint(store_file) == before


def test_an_officer_is_refused_the_admin_writes_only(store_file):
    said = run_as(try_every_write, OFFICER)
    refused = {name for name, text in said.items() if text.startswith("refused")}
    assert refused == {"grant_role", "withdraw_role", "set_threshold"}
    assert said["set_threshold"].startswith("refused: Only admins can change settings")


def test_someone_not_signed_in_is_refused_every_write(store_file):
    before = _fingerprint(store_file)
    said = run_as(try_every_write, {"is_logged_in": False})
    assert all(text.startswith("refused: Only") and "you are not signed in" in text
               for text in said.values())
    assert _fingerprint(store_file) == before


def withdrawn_mid_run():
    """An officer by an in-app grant; the grant is withdrawn after the run resolved their
    role, and the write that follows is refused."""
    import streamlit as st

    from components import access, writes
    from components.session import get_store

    st.markdown(f"at the start: {access.start_run().role}")
    get_store().record_admin_change("role", "nia@leics.example", "", "another admin")
    st.markdown(f"kept for display: {access.current_person().role}")
    try:
        writes.save_action({"raised_on": "2024-01-01", "action": "Try", "officer": "Nia",
                            "comments": "", "status": "Red"})
        st.markdown("write: done")
    except writes.WriteRefused as refused:
        st.markdown(f"write: refused: {refused}")


def test_a_write_checks_the_role_at_that_moment_not_the_one_the_run_began_with(store_file):
    Store(f"sqlite:///{store_file}").record_admin_change("role", "nia@leics.example",
                                                        "officer", "Ada")
    actions = len(Store(f"sqlite:///{store_file}").actions())
    said = run_as(withdrawn_mid_run, {"is_logged_in": True, "email": "nia@leics.example"})
    assert said["at the start"] == said["kept for display"] == "officer"
    assert said["write"].startswith("refused: Only officers can change the action log, and "
                                    "you are not on the dashboard's list")
    assert len(Store(f"sqlite:///{store_file}").actions()) == actions


def test_a_demoted_officers_pending_save_stores_nothing(seeded_store_copy, monkeypatch):
    """The form was drawn for an officer; the click that follows their removal saves
    nothing, and the form is gone."""
    monkeypatch.setenv("DASHBOARD_SQLITE_PATH", str(seeded_store_copy))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets = {k: dict(v) for k, v in SECRETS.items()}
    at.user = dict(OFFICER)
    at.run()
    at.switch_page("pages/actions.py").run()
    at.text_area(key="action_text_None").input("An action")
    at.text_input(key="action_officer_None").input("Olive")
    save = next(b for b in at.button if b.label == "Save the action")
    at.secrets["roles"] = {**SECRETS["roles"], "officers": [], "viewers": [OFFICER["email"]]}
    save.click().run()
    st.cache_resource.clear()
    assert not at.exception
    assert not any(b.label == "Save the action" for b in at.button)
    assert len(Store(f"sqlite:///{seeded_store_copy}").actions()) == 6


WRITE_ARGUMENTS = {
    "store_upload": ([],), "log_refusals": ([],), "rollback_upload": (1,),
    "restore_upload": (1,), "withdraw_file": (1,), "put_back_file": (1,),
    "save_action": ({},), "freeze_snapshot": ("Board",),
    "record_definition_change": ("hate_crimes", "2023-04-01", "new rules"),
    "withdraw_definition_change": (1,), "withdraw_alias": ("measure:x",),
    "grant_role": ("nia@leics.example", "officer"), "withdraw_role": ("nia@leics.example",),
    "set_threshold": (5,)}


@pytest.mark.parametrize("fault, words", [
    (StoreBusy, "The database is busy with another change, so nothing was changed"),
    (StoreFull, "The server's disk is full, so nothing was changed")])
def test_a_store_that_cannot_take_a_write_says_so_plainly_whichever_write(monkeypatch, fault,
                                                                          words):
    """Busy or full, every write ends in WriteFailed in plain words (app.py shows it), not
    Streamlit's error box with a traceback."""
    from components.access import Person
    from data_loaders import ingest

    def fail(*_args, **_kwargs):
        raise fault("the store said no")

    class FailingStore:
        def __getattr__(self, _name):
            return fail

    monkeypatch.setattr(writes, "identify", lambda: Person("admin", "local"))
    monkeypatch.setattr(writes, "get_store", FailingStore)
    monkeypatch.setattr(ingest, "store_checked", fail)
    assert sorted(WRITE_ARGUMENTS) == GUARDED
    for name, arguments in WRITE_ARGUMENTS.items():
        with pytest.raises(writes.WriteFailed, match=words):
            getattr(writes, name)(*arguments)
