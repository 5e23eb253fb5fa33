"""Acceptance-test figures (R1-R10, S1-S12, Q1-Q2 in docs/reliability.md).

A test calls ``report("R3", lost_updates=0, ...)``; the figure is printed at once
(visible with ``-s``) and again in pytest's terminal summary, so a CI log always
shows the figures of the run. With ``FIGURES_FILE`` set, each figure is also
appended to that file as one JSON line, for refreshing docs/reliability.md.
"""

import json
import os

collected: list[tuple[str, dict]] = []


def report(code: str, **figures) -> None:
    collected.append((code, figures))
    line = f"{code}: " + ", ".join(f"{key}={value}" for key, value in figures.items())
    print(f"\n{line}")
    if path := os.environ.get("FIGURES_FILE"):
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"code": code, **figures}, default=str) + "\n")
