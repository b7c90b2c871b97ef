"""README stays true: every catalogue indicator and every page is described there."""
from __future__ import annotations

import re

from data_loaders.catalogue import load_catalogue

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_indicator_is_documented_in_readme():
    missing = [r["id"] for r in load_catalogue() if f"`{r['id']}`" not in README]
    assert missing == []


def test_every_page_is_listed_in_app_and_readme():
    app = (ROOT / "app.py").read_text(encoding="utf-8")
    listed = set(re.findall(r'PAGES / "([a-z_]+\.py)"', app))
    on_disk = {p.name for p in (ROOT / "pages").glob("*.py")}
    assert listed == on_disk
    assert [p for p in on_disk if f"pages/{p}" not in README] == []


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
