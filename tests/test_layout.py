"""The layout's size limits: no module over 500 lines and no function over 60 lines
in the apps (migrations excepted), so each concern stays small enough to read whole."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("helpdesk", "tickets", "sla", "integrations", "messaging", "knowledge")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def app_modules() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def too_long_modules(paths: list[Path], limit: int) -> list[str]:
    found = []
    for path in paths:
        lines = len(path.read_text().splitlines())
        if lines > limit:
            found.append(f"{_name(path)}: {lines} lines")
    return found


def too_long_functions(paths: list[Path], limit: int) -> list[str]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    found.append(f"{_name(path)}:{node.name}: {lines}")
    return found


def test_the_apps_have_modules_to_check():
    assert len(app_modules()) > 50


def test_no_module_passes_500_lines():
    assert too_long_modules(app_modules(), MAX_MODULE_LINES) == []


def test_no_function_passes_60_lines():
    assert too_long_functions(app_modules(), MAX_FUNCTION_LINES) == []


@pytest.mark.parametrize("lines, flagged", [(500, False), (501, True)])
def test_the_module_limit_is_exact(tmp_path, lines, flagged):
    path = tmp_path / "module.py"
    path.write_text("x = 1\n" * lines)
    assert bool(too_long_modules([path], MAX_MODULE_LINES)) is flagged


@pytest.mark.parametrize("body, flagged", [(59, False), (60, True)])
def test_the_function_limit_is_exact(tmp_path, body, flagged):
    path = tmp_path / "module.py"
    path.write_text("def f():\n" + "    x = 1\n" * body)
    assert bool(too_long_functions([path], MAX_FUNCTION_LINES)) is flagged
