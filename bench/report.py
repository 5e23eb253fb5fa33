"""bench/results.md from the figures of one run."""


def _ms(value) -> str:
    return "" if value is None else f"{value:,.1f}"


def markdown(figures, *, tickets, seeded, when, machine, database, command, seconds):
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
        "",
        "| Measure | p50 ms | p95 ms | queries | floor p50 ms | ratio | rate /s "
        "| target | met | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for f in figures:
        ratio = "" if f.ratio is None else f"{f.ratio:.1f}×"
        rate = "" if f.rate is None else f"{f.rate:,.0f}"
        met = {True: "yes", False: "**no**", None: ""}[f.met]
        lines.append(
            f"| {f.name} | {_ms(f.p50)} | {_ms(f.p95)} | {f.queries or ''} "
            f"| {_ms(f.floor_p50)} | {ratio} | {rate} | {f.target} | {met} | {f.note} |"
        )
    missed = [f for f in figures if f.met is False]
    lines += ["", "## Missed targets", ""]
    if not missed:
        lines.append("None.")
    for f in missed:
        lines.append(f"- **{f.name}**: {f.target}; measured {_summary(f)}.")
        if cause := next((why for key, why in CAUSES.items() if key in f.name), ""):
            lines.append(f"  Why: {cause}")
    return "\n".join(lines) + "\n"


def _seeded(seeded: dict) -> str:
    if not seeded.get("added"):
        return "reused the rows of an earlier run"
    rows = sum(v for k, v in seeded.items() if k not in ("seconds", "added"))
    return f"{rows:,} rows in {seeded['seconds']} s ({seeded})"


def _summary(f) -> str:
    if f.rate is not None:
        return f"{f.rate:,.0f}/s" + (f", {f.goal / f.rate:.1f}× too slow" if f.goal else "")
    text = f"p50 {f.p50:,.1f} ms"
    if f.goal:
        text += f", {f.p50 / f.goal:.1f}× the target"
    return text + (f", {f.ratio:.1f}× raw" if f.ratio else "")
