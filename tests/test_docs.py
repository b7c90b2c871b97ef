"""The docs stay true: README is the front door to docs/, every catalogue indicator and every
page is described there, and the commands README gives are the ones CI uses."""
from __future__ import annotations

import re

from data_loaders.catalogue import load_catalogue

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_readme_is_a_front_door_to_every_doc():
    """Short, and linking every file of docs/ (and nothing that is not there)."""
    assert len(README.splitlines()) <= 150
    linked = set(re.findall(r"\]\(([^)#]+\.md)\)", README))
    assert {f"docs/{p.name}" for p in DOCS.glob("*.md")} <= linked
    assert [p for p in linked if not (ROOT / p).is_file()] == []


def test_every_indicator_is_documented():
    indicators = doc("indicators.md")
    missing = [r["id"] for r in load_catalogue() if f"`{r['id']}`" not in indicators]
    assert missing == []


def test_every_page_is_listed_in_app_and_docs():
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    listed = set(re.findall(r'PAGES / "([a-z_]+\.py)"', app))
    on_disk = {p.name for p in (ROOT / "pages").glob("*.py")}
    assert listed == on_disk
    pages = doc("pages.md")
    assert [p for p in on_disk if f"pages/{p}" not in pages] == []


def test_no_page_url_is_a_page_file_name():
    """A first request for /<file name> would run that file without the router (Streamlit's
    old pages/ mode), so URL paths must differ from the files' names."""
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    pages = re.findall(r'PAGES / "([a-z_]+)\.py".*?url_path="([a-z-]+)"', app, re.S)
    assert len(pages) == len(list((ROOT / "pages").glob("*.py")))
    assert [stem for stem, url in pages if stem == url] == []


def test_readme_run_and_test_commands_are_the_ones_ci_uses():
    assert "bash .ci/run" in README
    assert "streamlit run serve.py" in README
    assert (ROOT / ".ci" / "run").read_text().strip().endswith('pytest "$@"')
