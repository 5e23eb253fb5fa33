"""Acceptance figures (R1-R10, S1-S12, Q1-Q2 ... in docs/reliability.md).

A test reports what it measured together with the bound it claims::

    report("R4", {"tickets_created": 1, "status_409": 0}, requests=50, ...)

Each bound is a value the figure must equal, or ``at_most(x)`` / ``at_least(x)``;
``report`` fails the test when a figure misses its bound, and refuses a report that
claims no bound at all (a printed figure nobody checks is how R4's "49 replays"
went unasserted). The figure is printed at once (visible with ``-s``) and again in
pytest's terminal summary. With ``FIGURES_FILE`` set, each record (figures and
bounds) is appended to that file as one JSON line: ``make figures`` writes
docs/figures.jsonl that way, and ``python -m tests.figures`` rewrites the figure
column of docs/reliability.md from it (tests/test_figures_doc.py keeps both honest).
"""

import json
import operator
import os
from dataclasses import dataclass
from typing import Any

collected: list[tuple[str, dict]] = []


@dataclass(frozen=True)
class Bound:
    sign: str
    limit: Any

    def holds(self, value) -> bool:
        compare = {"=": operator.eq, "≤": operator.le, "≥": operator.ge}[self.sign]
        return compare(value, self.limit)

    def __str__(self) -> str:
        return f"{self.sign} {self.limit}"


def at_most(limit) -> Bound:
    return Bound("≤", limit)


def at_least(limit) -> Bound:
    return Bound("≥", limit)


def _bound(claim) -> Bound:
    return claim if isinstance(claim, Bound) else Bound("=", claim)


def report(code: str, bounds: dict, /, **figures) -> None:
    """Record ``figures`` under ``code`` and fail unless each bounded one holds."""
    if not bounds:
        raise TypeError(f"{code}: a reported figure needs the bound it claims")
    unknown = set(bounds) - set(figures)
    if unknown:
        raise TypeError(f"{code}: bounds on figures not reported: {sorted(unknown)}")
    claims = {key: _bound(claim) for key, claim in bounds.items()}
    collected.append((code, figures))
    line = f"{code}: " + ", ".join(f"{key}={value}" for key, value in figures.items())
    print(f"\n{line}")
    if path := os.environ.get("FIGURES_FILE"):
        record = {
            "code": code,
            "figures": figures,
            "bounds": {key: [b.sign, b.limit] for key, b in claims.items()},
        }
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, default=str, ensure_ascii=False) + "\n")
    missed = {
        key: f"{figures[key]!r} (bound {claim})"
        for key, claim in claims.items()
        if not claim.holds(figures[key])
    }
    assert not missed, f"{code}: figures outside their bounds: {missed}"


if __name__ == "__main__":
    from tests.figures_doc import main

    main()
