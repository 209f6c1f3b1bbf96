"""The floors of the code base (DESIGN.md, "Visibility in one place per app"): lower floors never
import higher ones. `worktime`, `lib` and `accounts` know nothing of cases; `cases` knows nothing of the
modules built on it — a module reaches the engine by registering (kinds, access providers, subjects,
panels), never by the engine importing it.

Read from the source with `ast`, so an import inside a function counts as much as one at the top."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "nuanqi"

# The modules built on the engine, and the apps above them.
MODULES = {
    "enterprise",
    "patrol",
    "tips",
    "consult",
    "projects",
    "dashboard",
    "demo",
    "routing",
    "notify",
    "ops",
}

# floor → the nuanqi packages it may not import.
FORBIDDEN: dict[str, set[str]] = {
    "worktime": {"*"},
    "lib": {"*"},
    "accounts": {"cases", "calendars", "attachments", *MODULES},
    "cases": MODULES,
    # Notifications sit on the engine: a module's audiences reach them by registration (`followers`).
    "notify": MODULES - {"notify", "ops"},
}
# What a floor that forbids every nuanqi package may still import: itself.
OWN = {"worktime": {"worktime"}, "lib": {"lib"}}


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the file; relative imports stay inside their package."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def _violations(floor: str) -> list[str]:
    forbidden = FORBIDDEN[floor]
    bad = []
    for path in sorted((SRC / floor).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for line, module in _imports(path):
            parts = module.split(".")
            if parts[0] != "nuanqi" or len(parts) < 2:
                continue
            target = parts[1]
            if ("*" in forbidden and target not in OWN.get(floor, set())) or target in forbidden:
                bad.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("floor", sorted(FORBIDDEN))
def test_a_lower_floor_imports_nothing_above_it(floor):
    assert _violations(floor) == []


def test_the_check_sees_an_import_inside_a_function(tmp_path):
    source = "def f():\n    from nuanqi.enterprise.access import visible_companies\n"
    (tmp_path / "m.py").write_text(source)
    assert _imports(tmp_path / "m.py") == [(2, "nuanqi.enterprise.access")]


def test_every_floor_named_exists():
    for floor in FORBIDDEN:
        assert (SRC / floor / "__init__.py").exists(), floor
    for module in MODULES:
        assert (SRC / module).is_dir(), module
