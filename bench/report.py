"""bench/results.md from the figures of one run, beside the figures of the run
before (bench/before.json) and django-helpdesk's as context."""

import json
import re
from pathlib import Path

BEFORE = Path(__file__).with_name("before.json")

# django-helpdesk 2.6.1 on this machine, same database server, medians of
# interleaved runs (measured for issue 22; ours as the code stood then).
PEER = """\
## Context: django-helpdesk 2.6.1

Side by side on this machine and database server, medians of interleaved runs, as
measured for issue 22 (ours: the code before it):

| Measure | django-helpdesk, 10k | ours, 10k | django-helpdesk, 100k | ours, 100k |
| --- | ---: | ---: | ---: | ---: |
| API page of 25 tickets | 4,600 ms, 10,105 queries | 49 ms, 6 queries | 45 s | 41 ms |
| List page with its data | 216 ms | 99 ms | 2.1 s | 150 ms |
| Kanban / our board | 512 ms | 288 ms | 4.4 s | 316 ms |
| Ticket page / our panel | 52 ms | 32 ms | 64 ms | 32 ms |
"""

# Why a measure misses its target on this machine (2 cores shared with the
# database, the client and gunicorn), and what would close the gap. Keyed by a
# part of the measure's name.
CAUSES = {
    "search": "the search's SQL reads a page newest first in a few milliseconds "
    "(the floor; EXPLAIN in docs/search.md); the rest is what every API list costs "
    "(see the API list rows beside it).",
    "API list": "the rows are read with values() and written by orjson "
    "(tickets/api/rows.py); what remains is Django and DRF around them: the token "
    "and membership lookups, the filterset's form (deep copies of its fields), "
    "compiling five ORM queries and eight round trips (about 41,000 Python calls a "
    "request, down from 112,000), against a floor of one hand-written query. "
    "Closing it: a prepared statement for the page and its related sets, and a "
    "filterset built once per process.",
    "Tickets page": "a whole page: sidebar and status counts (capped at 1,000, one "
    "query), 50 rows with their clocks and tags, and the template rendering of them; "
    "the query count stays the same at any size.",
    "board": "six columns of 20 cards: each column is its own indexed query with "
    "seven joins (about 10 ms each, most of it planning and the wide rows) plus the "
    "prefetches of its cards; then the capped counts and the rendering of 120 cards "
    "(about half the time). Prefetching all columns' cards at once and loading the "
    "collapsed Closed and Archived columns only when opened would close most of it.",
    "detail": "the detail bundles timeline, conversations, clocks, tags and links "
    "(7 queries, each under a millisecond); serialising them is the cost.",
    "panel": "the panel renders the timeline, conversations, clocks and the edit "
    "controls (member, team and label pickers) in one template.",
    "Create": "one create takes its number (a locked counter row, UPDATE ... "
    "RETURNING), writes the ticket with its next breach, the history row, the SLA "
    "clocks and the events (one INSERT each), checks the outbox, then reads the "
    "ticket back for the answer (13 queries and BEGIN/COMMIT).",
    "Bulk": "one request moves every ticket in a few statements, but still builds a "
    "model, a history row and an event per ticket in Python and runs each ticket's "
    "SLA hook (policy match, clock moves).",
    "export": "the CSV is built in Python: values() rows, four queries per chunk of "
    "2,000, csv.writer; one core writes about 5,000-10,000 rows/s of 26 columns.",
    "sweep": "each breach gets its event and the e-mails to the assignee and the "
    "team's managers: bulk statements per claimed batch of 500 (338 queries for "
    "10,000), but about 0.4 ms of Python per breach to build them. At this pace one "
    "sweep a minute keeps up with 150,000 clocks falling due a minute.",
    "intake": "an escalation is 12 queries in one transaction (token, membership, "
    "contact, conversation, messages, number, ticket, history, clocks, events, "
    "outbox check, idempotency claim; rules and SLA policies cached); the rest is "
    "Python (DRF parsing and validation, the summary, model building), and the four "
    "clients share the two cores with the two sync gunicorn workers and the "
    "database. More cores (workers) scale it; the request path has no shared lock "
    "besides the workspace's number counter.",
}


def _ms(value) -> str:
    return "" if value is None else f"{value:,.1f}"


def markdown(figures, *, tickets, seeded, when, machine, database, command, seconds):
    source, before = _before(tickets)
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {when:%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine}; {database} on loopback",
        f"- Tickets: {tickets:,} in one workspace",
        f"- Seeding: {_seeded(seeded)}",
        f"- Reproduce: `{command}` (measuring took {seconds:.0f} s)",
        "",
        "Times are server time in milliseconds (Django's test client in-process; the",
        "intake goes through gunicorn on loopback). *Floor* is the same rows fetched",
        "by one hand-written SQL query in the same run; *ratio* is ours / floor.",
        "*Rows* is how many rows a list answered (a list is refused when it is",
        f"empty). *Before* is {source} (p50, queries, ratio).",
        "",
        "| Measure | rows | before | p50 ms | p95 ms | queries | floor p50 ms | ratio "
        "| rate /s | target | met | note |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- "
        "| --- |",
    ]
    for f in figures:
        ratio = "" if f.ratio is None else f"{f.ratio:.1f}×"
        rate = "" if f.rate is None else f"{f.rate:,.0f}"
        met = {True: "yes", False: "**no**", None: ""}[f.met]
        rows = "" if f.rows is None else f"{f.rows:,}"
        was = _was(before.get(_key(f.name)))
        lines.append(
            f"| {f.name} | {rows} | {was} | {_ms(f.p50)} | {_ms(f.p95)} "
            f"| {f.queries or ''} | {_ms(f.floor_p50)} | {ratio} | {rate} "
            f"| {f.target} | {met} | {f.note} |"
        )
    lines += _parts(figures)
    missed = [f for f in figures if f.met is False]
    lines += ["", "## Missed targets", ""]
    if not missed:
        lines.append("None.")
    for f in missed:
        lines.append(f"- **{f.name}**: {f.target}; measured {_summary(f)}.")
        if cause := next((why for key, why in CAUSES.items() if key in f.name), ""):
            lines.append(f"  Why: {cause}")
    lines += ["", PEER]
    return "\n".join(lines)


def _key(name: str) -> str:
    """A measure's name without its counts ("CSV export, 1002818 rows"), so a run
    finds the figure of the run before."""
    return re.sub(r"\d[\d,]*", "#", name)


def _before(tickets: int) -> tuple[str, dict]:
    """Where the figures of the run before come from, and they by _key (none
    unless that run measured as many tickets)."""
    recorded = json.loads(BEFORE.read_text(encoding="utf-8"))
    if recorded["tickets"] != tickets:
        return f"empty: bench/before.json holds no run at {tickets:,} tickets", {}
    figures = {_key(f["name"]): f for f in recorded["figures"]}
    return f"the same measure in {recorded['source']}", figures


def _was(f: dict | None) -> str:
    if f is None:
        return ""
    if "rate" in f:
        text = f"{f['rate']:,.0f}/s"
    else:
        text = f"{f['p50']:,.1f} ms"
        if "queries" in f:
            text += f" · {f['queries']} q"
        if "ratio" in f:
            text += f" · {f['ratio']:.1f}×"
    return text + (f" ({f['note']})" if "note" in f else "")


def _parts(figures) -> list[str]:
    """Where the agent pages' time goes (measure.time_parts), medians in ms."""
    split = [f for f in figures if "parts" in f.extra]
    if not split:
        return []
    lines = [
        "",
        "## Where the pages' time goes",
        "",
        "Medians of separate runs (timing the parts slows them a little): SQL is the",
        "database driver's time, rendering the templates' (less the SQL they ran),",
        "Python the rest (middleware, view, building rows from the database's).",
        "",
        "| Measure | SQL ms | rendering ms | Python ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for f in split:
        parts = f.extra["parts"]
        lines.append(
            f"| {f.name} | {_ms(parts['SQL'])} | {_ms(parts['rendering'])} "
            f"| {_ms(parts['Python'])} |"
        )
    return lines


def _seeded(seeded: dict) -> str:
    if not seeded.get("added"):
        return "reused the rows of an earlier run"
    rows = sum(v for k, v in seeded.items() if k not in ("seconds", "added"))
    return f"{rows:,} rows in {seeded['seconds']} s ({seeded})"


def _summary(f) -> str:
    if f.rate is not None:
        return f"{f.rate:,.0f}/s" + (
            f", {f.goal / f.rate:.1f}× too slow" if f.goal else ""
        )
    text = f"p50 {f.p50:,.1f} ms"
    if f.goal and f.p50 > f.goal:
        text += f", {f.p50 / f.goal:.1f}× the target"
    elif f.goal:
        text += " (within the time)"
    return text + (f", {f.ratio:.1f}× raw" if f.ratio else "")
