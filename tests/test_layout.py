"""The layout's promises, read from the code's own imports (docs/architecture.md).

Data flows one way, load -> evidence -> scoring -> evaluation -> fronts: no module imports
one from a later stage; the library never imports Streamlit or the scenario tools.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
LIBRARY = SRC / "buitengebied"

#: Stage of every top-level module or package of the library, in pipeline order.
STAGES = {
    "errors": 0,
    "settings": 0,
    "contract": 0,
    "dataset": 0,
    "grid": 0,
    "timeutil": 0,
    "projection": 0,
    "access": 0,
    "io": 1,
    "load": 2,
    "store": 2,
    "evidence": 3,
    "scoring": 4,
    "evaluation": 5,
    "planning": 6,
    "presentation": 7,
    "cli": 9,
    "__main__": 9,
    "__init__": 9,
}


def _stage_of(module: str) -> int:
    head = module.split(".")[1] if module.startswith("buitengebied.") else module
    return STAGES[head]


def _library_modules() -> dict[str, Path]:
    modules = {}
    for path in LIBRARY.rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        modules[".".join(parts)] = path
    return modules


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "buitengebied":
            found.update(f"buitengebied.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_every_library_module_has_a_stage():
    heads = {name.split(".")[1] for name in _library_modules() if name != "buitengebied"}
    assert heads - {"__init__"} <= set(STAGES)


@pytest.mark.parametrize("module", sorted(_library_modules()))
def test_no_module_imports_a_later_stage(module):
    path = _library_modules()[module]
    own = _stage_of(module) if module != "buitengebied" else STAGES["__init__"]
    later = sorted(
        imported
        for imported in _imports(path)
        if imported.startswith("buitengebied.") and _stage_of(imported) > own
    )
    assert not later, f"{module} (stage {own}) imports a later stage: {later}"


@pytest.mark.parametrize("module", sorted(_library_modules()))
def test_the_library_never_imports_streamlit_or_the_scenario_tools(module):
    imported = _imports(_library_modules()[module])
    forbidden = {
        name
        for name in imported
        if name.split(".")[0]
        in {
            "streamlit",
            "streamlit_folium",
            "buitengebied_scenarios",
            "buitengebied_worlds",
            "buitengebied_app",
        }
    }
    assert not forbidden, f"{module} imports {sorted(forbidden)}"


def test_importing_the_library_and_its_cli_loads_no_streamlit_and_no_scikit_learn():
    code = (
        "import sys, buitengebied, buitengebied.cli, buitengebied.scoring.ranking;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'streamlit', 'sklearn'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
