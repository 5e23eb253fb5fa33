"""docs/reliability.md shows only figures a test asserts: each row of a figures
table names record codes that a test reports with bounds (tests.figures.report),
and its figure cell is what ``python -m tests.figures`` writes from
docs/figures.jsonl, never a hand-typed number."""

import ast
from pathlib import Path

import pytest

from tests import figures, figures_doc

TESTS = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def own_records(monkeypatch):
    """This module's made-up reports stay out of the run's summary and records."""
    monkeypatch.setattr(figures, "collected", [])
    monkeypatch.delenv("FIGURES_FILE", raising=False)


def reported_codes() -> dict[str, list[str]]:
    """code -> the test files whose report(code, bounds, ...) calls name it."""
    found: dict[str, list[str]] = {}
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            code = node.args[0]
            if name == "report" and isinstance(code, ast.Constant):
                found.setdefault(code.value, []).append(path.name)
    return found


def doc_rows() -> list[list[str]]:
    text = figures_doc.DOC.read_text(encoding="utf-8")
    return [codes for _, codes in figures_doc.figure_rows(text)]


def test_the_doc_has_figure_rows_for_every_acceptance_item():
    codes = {code for row in doc_rows() for code in row}
    expected = {f"R{n}" for n in range(1, 11)} | {f"S{n}" for n in range(1, 13)}
    assert expected <= codes
    assert {"Q1-schemathesis", "Q1-state-machine", "Q2-smoke"} <= codes


def test_every_row_is_reported_by_a_test_with_bounds_and_recorded():
    reported = reported_codes()
    records = figures_doc.load()
    unbacked = [code for row in doc_rows() for code in row if code not in reported]
    unrecorded = [code for row in doc_rows() for code in row if code not in records]
    unbounded = [
        code for code, rows in records.items() if not all(r["bounds"] for r in rows)
    ]
    assert (unbacked, unrecorded, unbounded) == ([], [], [])


def test_the_figure_column_is_generated_from_the_records():
    text = figures_doc.DOC.read_text(encoding="utf-8")
    assert figures_doc.rewrite(text, figures_doc.load()) == text, (
        "docs/reliability.md differs from its records: run `python -m tests.figures`"
    )


def test_a_record_renders_its_asserted_figures_in_bold_with_their_range():
    record = {
        "code": "X1",
        "figures": {"seen": 12000, "lost": 0, "p95_ms": 77},
        "bounds": {"lost": ["=", 0], "p95_ms": ["≤", 1000]},
    }
    assert (
        figures_doc.render(record) == "seen=12,000, **lost=0**, **p95_ms=77** (≤ 1000)"
    )


def test_a_row_without_records_says_so_and_the_rest_of_the_table_is_kept():
    doc = (
        "| # | Test | Figure (last run) |\n|---|---|---|\n"
        "| X1 | `t.py` | old |\n| X2, X3 | `u.py` | old |\n\n"
        "| Setting | Why |\n|---|---|\n| X1 | kept |\n"
    )
    records = {"X1": [{"figures": {"a": 1}, "bounds": {"a": ["=", 1]}}]}
    assert figures_doc.rewrite(doc, records) == (
        "| # | Test | Figure (last run) |\n|---|---|---|\n"
        "| X1 | `t.py` | **a=1** |\n| X2, X3 | `u.py` | (no record) |\n\n"
        "| Setting | Why |\n|---|---|\n| X1 | kept |\n"
    )


def test_report_fails_when_a_figure_misses_its_bound():
    with pytest.raises(AssertionError, match="replayed.*48.*= 49"):
        figures.report("X4", {"replayed": 49}, replayed=48)
    with pytest.raises(AssertionError, match="p95_ms"):
        figures.report("X6", {"p95_ms": figures.at_most(500)}, p95_ms=501)
    figures.report("X6", {"p95_ms": figures.at_most(500)}, p95_ms=500)


def test_report_refuses_a_figure_without_a_bound():
    with pytest.raises(TypeError, match="needs the bound"):
        figures.report("X4", {}, replayed=49)
    with pytest.raises(TypeError, match="not reported"):
        figures.report("X4", {"replyed": 49}, replayed=49)
