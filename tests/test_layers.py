"""The house's layers, checked from the code's own imports: each layer imports only the
layers under it (and its own package), nothing imports a command, Streamlit is imported
only where pages are drawn, and no modules import each other in a circle. Imports inside
functions count; those under ``if TYPE_CHECKING`` (never run) do not.

    pages/, app.py, serve.py   the pages and the router
    components/                Streamlit: views, caching, sign-in, writes
    reports/                   the board pack (PowerPoint, PDF)
    presentation/              chart and map builders, judgements in words (no Streamlit)
    metrics/                   the calculations, pure pandas
    data_loaders/              reading files, the store, reference data

The command lines (data_loaders/__main__.py, reports/__main__.py) sit on top of them all.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

LAYERS = ["commands", "pages", "components", "reports", "presentation", "metrics",
          "data_loaders"]
DRAWS = {"commands", "pages", "components"}  # where Streamlit may be imported
TOP_FILES = {"app.py": "pages", "serve.py": "pages"}


def layer_of(path: Path) -> str | None:
    """The layer of a product file (relative to ROOT), None for anything else (tests,
    bench, sample data builders)."""
    if path.name == "__main__.py":
        return "commands"
    if str(path) in TOP_FILES:
        return TOP_FILES[str(path)]
    top = path.parts[0]
    return top if top in LAYERS else None


def module_name(path: Path) -> str:
    parts = list(path.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_files() -> dict[str, Path]:
    files = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0].startswith(".") or layer_of(relative) is None:
            continue
        files[module_name(relative)] = relative
    return files


def imports_of(path: Path, module: str) -> set[str]:
    """The modules ``path`` imports, absolute, wherever in the file (not under
    TYPE_CHECKING)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    skipped = {id(node) for branch in ast.walk(tree) if isinstance(branch, ast.If)
               and "TYPE_CHECKING" in ast.unparse(branch.test)
               for node in ast.walk(branch)}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            # "from package import module" names a module when one exists by that name.
            found.update(f"{base}.{alias.name}" for alias in node.names)
            found.add(base)
    return found


def product_imports() -> dict[str, set[str]]:
    """Each product module's imports of other product modules."""
    files = product_files()
    graph = {}
    for module, path in files.items():
        graph[module] = {name for name in imports_of(path, module)
                         if name in files and name != module}
    return graph


def test_each_layer_imports_only_the_layers_under_it():
    files, wrong = product_files(), []
    for module, imported in product_imports().items():
        mine = LAYERS.index(layer_of(files[module]))
        for name in sorted(imported):
            theirs = layer_of(files[name])
            if theirs == "commands":
                wrong.append(f"{module} imports the command {name}")
            elif LAYERS.index(theirs) < mine:
                wrong.append(f"{module} ({LAYERS[mine]}) imports {name} ({theirs}), above it")
    assert not wrong, "\n".join(wrong)


def test_streamlit_is_imported_only_where_pages_are_drawn():
    files = product_files()
    wrong = [module for module, path in files.items() if layer_of(path) not in DRAWS
             and any(name == "streamlit" or name.startswith("streamlit.")
                     for name in imports_of(path, module))]
    assert not wrong


def test_no_modules_import_each_other_in_a_circle():
    graph = product_imports()
    circles, state = [], {}

    def visit(module, trail):
        state[module] = "open"
        for name in sorted(graph[module]):
            if state.get(name) == "open":
                circles.append(" -> ".join(trail[trail.index(name):] + [name]))
            elif name not in state:
                visit(name, trail + [name])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not circles, "\n".join(circles)


@pytest.mark.parametrize("source, expected", [
    ("from .cache import load_view", {"components.cache", "components.cache.load_view"}),
    ("from metrics import summary", {"metrics", "metrics.summary"}),
    ("import pandas as pd\nif TYPE_CHECKING:\n    from components import writes", {"pandas"}),
    ("def f():\n    from ..reports.board_pack import x", {"reports.board_pack",
                                                            "reports.board_pack.x"}),
])
def test_imports_are_read_wherever_they_are(tmp_path, monkeypatch, source, expected):
    """The reader the checks above rely on: relative, inside functions, not TYPE_CHECKING."""
    import test_layers

    monkeypatch.setattr(test_layers, "ROOT", tmp_path)
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "views.py").write_text(source, encoding="utf-8")
    found = test_layers.imports_of(Path("components/views.py"), "components.views")
    assert found == expected
