"""The mutation score per module after `mutmut run` (see docs/mutation.md).

Reads mutmut's result files (mutants/<path>.meta), counts per module, prints the
table docs/mutation.md shows and every survivor not listed in
mutation/equivalent.txt, and fails when a module scores under the bar, a mutant is
unrun or a survivor is unexplained. A timed-out mutant counts as detected (the
tests did not pass). `--doc` also writes the table, the date, mutmut's version and
the equivalent mutants with their reasons into docs/mutation.md, between its
markers, so the page shows the measurement and not numbers typed by hand.
"""

import json
import sys
import tomllib
from collections import Counter
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from mutmut.stats import status_by_exit_code

BAR = 85.0
DETECTED = {"killed", "timeout", "caught by type check"}
ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "mutation.md"
BEGIN = "<!-- mutation.score: begin -->"
END = "<!-- mutation.score: end -->"


def equivalents() -> dict[str, str]:
    """Mutant names explained as equivalent, one per line (`name  # why`)."""
    lines = (ROOT / "mutation" / "equivalent.txt").read_text().splitlines()
    pairs = (line.partition("#")[::2] for line in lines)
    return {name.strip(): why.strip() for name, why in pairs if name.strip()}


def module_results(path: str) -> dict[str, str]:
    meta = json.loads((ROOT / "mutants" / f"{path}.meta").read_text())
    return {
        name: status_by_exit_code[code]
        for name, code in meta["exit_code_by_key"].items()
    }


def measure() -> tuple[list[str], list[str], bool]:
    """The table's lines, the unexplained survivors, and whether the run fails."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    explained = equivalents()
    failed = False
    unexplained = []
    table = [
        "| module | mutants | detected | equivalent | survived | not run | score |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for path in config["tool"]["mutmut"]["only_mutate"]:
        results = module_results(path)
        counts = Counter(results.values())
        detected = sum(counts[status] for status in DETECTED)
        equivalent = sum(name in explained for name in results)
        pending = counts["not checked"]
        left = [
            name
            for name, status in results.items()
            if status not in DETECTED | {"not checked"} and name not in explained
        ]
        unexplained += [f"{name}: {results[name]}" for name in left]
        # Over the mutants run so far; an interrupted run fails the check below.
        score = 100.0 * detected / max(len(results) - equivalent - pending, 1)
        failed |= score < BAR or pending > 0
        table.append(
            f"| `{path}` | {len(results)} | {detected} | {equivalent} | {len(left)} "
            f"| {pending} | {score:.1f} % |"
        )
    return table, unexplained, failed or bool(unexplained)


def write_doc(table: list[str]) -> None:
    today = datetime.now(UTC).strftime("%d %B %Y").lstrip("0")
    block = [
        BEGIN,
        f"Measured on {today} with mutmut {version('mutmut')} "
        "(written by `python -m mutation.score --doc`):",
        "",
        *table,
        "",
        "Equivalent mutants (`mutation/equivalent.txt`, left out of the score):",
        "",
        "| mutant | why no test can tell |",
        "| --- | --- |",
        *(f"| `{name}` | {why} |" for name, why in equivalents().items()),
        END,
    ]
    text = DOC.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + "\n".join(block) + tail)


def main() -> int:
    table, unexplained, failed = measure()
    print("\n".join(table))
    if unexplained:
        print("\nSurvivors neither killed nor explained in mutation/equivalent.txt:")
        print("\n".join(f"    {line}" for line in unexplained))
    if "--doc" in sys.argv[1:]:
        write_doc(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
