"""docs/reliability.md's figure column, generated from the recorded figures.

``make figures`` runs the tests that report figures with ``FIGURES_FILE`` set to
docs/figures.jsonl, then ``python -m tests.figures`` rewrites the last cell of every
row of a figures table (a table whose last column is headed "Figure ...") from
those records. The row's first cell names the record codes it shows ("R8, R8-rate").
Asserted figures are shown in bold, followed by their bound when it is a range.
"""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "reliability.md"
RECORDS = ROOT / "docs" / "figures.jsonl"
CELL = re.compile(r"(?<!\\)\|")


def load(path: Path = RECORDS) -> dict[str, list[dict]]:
    by_code: dict[str, list[dict]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            by_code.setdefault(record["code"], []).append(record)
    return by_code


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10000:
        return f"{value:,}"
    return str(value)


def render(record: dict) -> str:
    parts = []
    for key, value in record["figures"].items():
        shown = f"{key}={_value(value)}"
        if key in record["bounds"]:
            sign, limit = record["bounds"][key]
            shown = f"**{shown}**" + ("" if sign == "=" else f" ({sign} {limit})")
        parts.append(shown)
    return ", ".join(parts)


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in CELL.split(line.strip())[1:-1]]


def figure_rows(text: str):
    """(line index, codes) of every row of every figures table."""
    lines = text.splitlines()
    in_table = False
    for index, line in enumerate(lines):
        if not line.startswith("|"):
            in_table = False
            continue
        row = cells(line)
        if index + 1 < len(lines) and lines[index + 1].startswith("|---"):
            in_table = row[-1].startswith("Figure")
            continue
        if in_table and not line.startswith("|---"):
            yield index, [code.strip() for code in row[0].split(",")]


def rewrite(text: str, records: dict[str, list[dict]]) -> str:
    lines = text.splitlines()
    for index, codes in figure_rows(text):
        shown = "; ".join(
            render(record) for code in codes for record in records.get(code, [])
        )
        row = cells(lines[index])
        row[-1] = shown or "(no record)"
        lines[index] = "| " + " | ".join(row) + " |"
    return "\n".join(lines) + "\n"


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else RECORDS
    DOC.write_text(rewrite(DOC.read_text(encoding="utf-8"), load(source)))
