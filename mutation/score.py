"""The mutation score per module after `mutmut run` (see docs/mutation.md).

Reads mutmut's result files (mutants/<path>.meta), counts per module, prints the
table docs/mutation.md shows and every survivor not listed in
mutation/equivalent.txt, and fails when a module scores under the bar or a survivor
is unexplained. A timed-out mutant counts as detected (the tests did not pass).
"""

import json
import sys
import tomllib
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

BAR = 85.0
DETECTED = {"killed", "timeout", "caught by type check"}
ROOT = Path(__file__).resolve().parent.parent


def equivalents() -> set[str]:
    """Mutant names explained as equivalent, one per line (`name  # why`)."""
    lines = (ROOT / "mutation" / "equivalent.txt").read_text().splitlines()
    names = (line.split("#", 1)[0].strip() for line in lines)
    return {name for name in names if name}


def module_results(path: str) -> dict[str, str]:
    meta = json.loads((ROOT / "mutants" / f"{path}.meta").read_text())
    return {
        name: status_by_exit_code[code]
        for name, code in meta["exit_code_by_key"].items()
    }


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    paths = config["tool"]["mutmut"]["only_mutate"]
    explained = equivalents()
    failed = False
    unexplained = []
    print("| module | mutants | detected | equivalent | survived | not run | score |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for path in paths:
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
        print(
            f"| {path} | {len(results)} | {detected} | {equivalent} | {len(left)} "
            f"| {pending} | {score:.1f} % |"
        )
    if unexplained:
        print("\nSurvivors neither killed nor explained in mutation/equivalent.txt:")
        print("\n".join(f"    {line}" for line in unexplained))
    return 1 if failed or unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
