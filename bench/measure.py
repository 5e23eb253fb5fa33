"""The measurements of `make bench`, each beside a floor: the same rows fetched by one
hand-written SQL query in the same run, so a figure is also a ratio ours / raw.

Requests go through Django's test client in-process (server time, no network), except
the intake throughput, which goes through a real gunicorn on loopback.
"""

import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.db import connection
from django.template.backends.django import Template as DjangoTemplate
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bench import seed
from helpdesk.models import Contact
from sla.models import SlaTarget
from tickets.exports import jobs
from tickets.models import ExportJob, Ticket

ROOT = Path(settings.BASE_DIR)


@dataclass
class Figure:
    name: str
    p50: float | None = None  # milliseconds
    p95: float | None = None
    queries: int | None = None
    floor_p50: float | None = None
    rate: float | None = None  # per second, for throughput figures
    target: str = ""
    goal: float | None = None  # the target's number: ms (p50), or per second (rate)
    met: bool | None = None
    note: str = ""
    rows: int | None = None  # the rows a list answered (checked not to be empty)
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.p50 is None or not self.floor_p50:
            return None
        return self.p50 / self.floor_p50


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


WARM_UP = 3


def time_calls(call, repeat: int) -> tuple[float, float, int]:
    """p50 and p95 in ms over `repeat` calls after a warm-up, and the query count of
    one more call (counted apart: capturing queries slows them). `call(i)` gets a
    new index each time, 0 to WARM_UP + repeat, for writes that need fresh rows."""
    for index in range(WARM_UP):
        call(index)
    samples = []
    for index in range(WARM_UP, WARM_UP + repeat):
        started = time.perf_counter()
        call(index)
        samples.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        call(WARM_UP + repeat)
    p50, p95 = _percentiles(samples)
    return p50, p95, len(captured)


def time_parts(call, repeat: int) -> dict[str, float]:
    """Median ms of each part of `call` over `repeat` more calls (timed apart, as
    timing the parts slows them): SQL (the driver's execute, wherever it runs),
    rendering (the page's templates, less the SQL run from inside them) and the
    rest of the Python (middleware, view, ORM rows, prefetching)."""
    spent = {"sql": 0.0, "render": 0.0, "sql_in_render": 0.0}
    depth = 0

    def on_sql(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            spent["sql"] += took
            if depth:
                spent["sql_in_render"] += took

    original = DjangoTemplate.render

    def render(self, *args, **kwargs):
        nonlocal depth
        depth += 1
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            depth -= 1
            if not depth:
                spent["render"] += time.perf_counter() - started

    samples = []
    with (
        connection.execute_wrapper(on_sql),
        mock.patch.object(DjangoTemplate, "render", render),
    ):
        for index in range(repeat):
            spent.update(sql=0.0, render=0.0, sql_in_render=0.0)
            started = time.perf_counter()
            call(WARM_UP + index)
            total = time.perf_counter() - started
            rendering = spent["render"] - spent["sql_in_render"]
            samples.append((spent["sql"], rendering, total - spent["sql"] - rendering))
    sql, rendering, python = (
        statistics.median(part) * 1000 for part in zip(*samples, strict=True)
    )
    return {"SQL": sql, "rendering": rendering, "Python": python}


def raw_sql(sql: str, params) -> callable:
    def run(_index):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return len(cursor.fetchall())

    return run


def count_rows(response) -> int | None:
    """The rows a list answer shows: the API page's `results`, or the tickets an
    agent page renders (each row and card carries `data-number`)."""
    if response["Content-Type"].startswith("application/json"):
        data = response.json()
        return len(data["results"]) if "results" in data else None
    return response.content.count(b'data-number="')


def check_rows(name: str, rows: int | None, floor_rows: int, wanted: int) -> int:
    """A list named for its rows is measured on at least `wanted` of them, and so is
    its floor: "SLA at risk" was once timed on an empty page (and a floor that
    walked every ticket looking for one)."""
    if rows is None or rows < wanted or floor_rows < wanted:
        raise RuntimeError(
            f"{name}: {rows} rows (floor {floor_rows}), at least {wanted} wanted; "
            "the state this list needs was not set up"
        )
    return rows


class Bench:
    def __init__(self, repeat: int = 30):
        self.repeat = repeat
        self.ref = seed.reference_data()
        self.workspace = self.ref["workspace"]
        self.agent = self.ref["agents"][0]
        self.manager = self.ref["manager"]
        self.token = Token.objects.get_or_create(user=self.manager)[0].key
        self.api = Client(
            HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {self.token}"
        )
        self.ui = Client(HTTP_HOST="localhost")
        self.ui.force_login(self.agent)
        self.base = f"/api/v1/workspaces/{self.workspace.slug}"
        self.figures: list[Figure] = []

    def _get(self, client, url, headers=None):
        def call(_index):
            response = client.get(url, headers=headers)
            _expect(response, 200)
            if response.streaming:
                b"".join(response.streaming_content)
            return response

        return call

    def request(
        self,
        name,
        client,
        url,
        floor_sql,
        params,
        target_ms,
        *,
        ratio=None,
        headers=None,
        rows=None,
        parts=False,
    ):
        """Time GET `url` beside its floor. `rows`: the least number of rows the
        list must answer (and its floor fetch), checked before timing."""
        get, floor_fetch = self._get(client, url, headers), raw_sql(floor_sql, params)
        counted = None
        if rows is not None:
            counted = check_rows(name, count_rows(get(0)), floor_fetch(0), rows)
        p50, p95, queries = time_calls(get, self.repeat)
        floor, _, _ = time_calls(floor_fetch, self.repeat)
        figure = Figure(
            name,
            p50,
            p95,
            queries,
            floor,
            target=f"p50 ≤ {target_ms} ms",
            goal=target_ms,
            rows=counted,
        )
        figure.met = p50 <= target_ms
        if parts:
            figure.extra["parts"] = time_parts(
                self._get(client, url, headers), self.repeat
            )
        if ratio:
            figure.target += f", ≤ {ratio}× raw"
            figure.met = figure.met and figure.ratio <= ratio
        self.figures.append(figure)
        return figure

    # --- reads ---

    # A full page: every list below is measured on at least this many rows.
    PAGE = 25

    def lists(self):
        # Set up again what the lists need: a bulk move, a sweep or a previous run
        # may have emptied them.
        seed.give_bench_user_tickets(self.ref)
        seed.put_at_risk(self.ref)
        ws = self.workspace.pk
        columns = "t.id, t.number, t.subject, t.status, t.priority, t.created_at"
        newest = (
            f"SELECT {columns}, u.username, l.name FROM tickets_ticket t"  # noqa: S608
            " LEFT JOIN auth_user u ON u.id = t.assignee_id"
            " LEFT JOIN tickets_label l ON l.id = t.label_id"
            " WHERE t.workspace_id = %s {where}"
            " ORDER BY t.created_at DESC, t.id DESC LIMIT 25"
        )
        cases = [
            ("API list, default", "", "", []),
            ("API list, status=open", "status=open", "AND t.status = %s", ["open"]),
            (
                "API list, assignee=me",
                "assignee=me",
                "AND t.assignee_id = %s",
                [self.manager.pk],
            ),
        ]
        for name, query, where, params in cases:
            self.request(
                name,
                self.api,
                f"{self.base}/tickets/?{query}",
                newest.format(where=where),
                [ws, *params],
                20,
                ratio=5,
                rows=self.PAGE,
            )
        self.searches(columns)
        at_risk = (
            "AND EXISTS (SELECT 1 FROM sla_slatarget s WHERE s.ticket_id = t.id"
            " AND s.fulfilled_at IS NULL AND s.paused_at IS NULL"
            " AND s.breached_at IS NULL AND s.warn_at <= now() AND s.due_at > now())"
        )
        self.request(
            "API list, SLA at risk",
            self.api,
            f"{self.base}/tickets/?sla=at_risk",
            newest.format(where=at_risk),
            [ws],
            20,
            ratio=5,
            rows=self.PAGE,
        )
        self.request(
            "API list, by next breach",
            self.api,
            f"{self.base}/tickets/?ordering=next_breach",
            newest.format(where="").replace(
                "t.created_at DESC, t.id DESC", "t.next_breach_at, t.id"
            ),
            [ws],
            20,
            ratio=5,
            rows=self.PAGE,
        )
        page = f"/w/{self.workspace.slug}/tickets/"
        floor = newest.format(where="")
        self.request(
            "Tickets page (list)",
            self.ui,
            f"{page}?view=list",
            floor,
            [ws],
            60,
            rows=self.PAGE,
            parts=True,
        )
        self.request(
            "Tickets board",
            self.ui,
            f"{page}?view=board",
            floor,
            [ws],
            100,
            rows=self.PAGE,
            parts=True,
        )

    def searches(self, columns):
        """Search as you type (docs/search.md): each search through the API beside
        its query by hand, with the least rows its first page must answer."""
        ws = self.workspace.pk
        contact = Contact.objects.filter(workspace=self.workspace).order_by("id").last()
        fragment = contact.email.split(".")[0]  # c99999@x.test gives c99999@x
        number = self.workspace.next_number // 2
        newest = " ORDER BY t.created_at DESC, t.id DESC LIMIT 25"
        text = (
            f"SELECT {columns} FROM tickets_ticket t WHERE t.workspace_id = %s"  # noqa: S608
            " AND t.search_document @@ to_tsquery('english', %s)" + newest
        )
        # One common word, two, a 4-letter prefix, a partial e-mail, a ref.
        cases = [
            ("refund", text, ["'refund':*"], self.PAGE),
            ("refund invoice", text, ["'refund' & 'invoice':*"], self.PAGE),
            ("refu", text, ["'refu':*"], self.PAGE),
            (
                fragment,
                f"SELECT {columns} FROM tickets_ticket t WHERE t.workspace_id = %s"  # noqa: S608
                " AND t.requester_id IN (SELECT id FROM helpdesk_contact"
                " WHERE UPPER(email) LIKE UPPER(%s))" + newest,
                [f"%{fragment}%"],
                1,  # the tickets of one requester (about 10 in the seed)
            ),
            (
                f"{self.workspace.ticket_prefix}-{number}",
                f"SELECT {columns} FROM tickets_ticket t WHERE t.workspace_id = %s"  # noqa: S608
                " AND t.number = %s" + newest,
                [number],
                1,
            ),
        ]
        for q, floor_sql, params, rows in cases:
            figure = self.request(
                f"API list, search {q!r}",
                self.api,
                f"{self.base}/tickets/?{urlencode({'q': q})}",
                floor_sql,
                [ws, *params],
                100,
                rows=rows,
            )
            figure.target += ", p95 ≤ 200 ms"
            figure.met = figure.met and figure.p95 <= 200

    def details(self):
        number = (
            Ticket.objects.filter(workspace=self.workspace)
            .order_by("-number")[500]
            .number
        )
        floor = "SELECT * FROM tickets_ticket WHERE workspace_id = %s AND number = %s"
        params = [self.workspace.pk, number]
        self.request(
            "API ticket detail",
            self.api,
            f"{self.base}/tickets/{number}/",
            floor,
            params,
            30,
        )
        self.request(
            "Ticket panel (htmx)",
            self.ui,
            f"/w/{self.workspace.slug}/tickets/{number}/",
            floor,
            params,
            20,
            headers={"HX-Request": "true"},  # the panel alone, as the page loads it
            parts=True,
        )

    def conversations(self):
        from bench import conversations

        conversations.measure(self)

    def insights(self):
        from bench import insights

        insights.measure(self)

    # --- writes ---

    def create(self):
        def call(index):
            response = self.api.post(
                f"{self.base}/tickets/",
                {"subject": f"Bench create {uuid.uuid4().hex[:8]}", "priority": 3},
                content_type="application/json",
            )
            _expect(response, 201)

        p50, p95, queries = time_calls(call, self.repeat)
        self.figures.append(
            Figure(
                "Create ticket (API)",
                p50,
                p95,
                queries,
                target="p50 ≤ 20 ms",
                goal=20,
                met=p50 <= 20,
            )
        )

    def transition(self):
        numbers = list(
            Ticket.objects.filter(workspace=self.workspace, status="open")
            .order_by("-number")
            .values_list("number", flat=True)[: WARM_UP + self.repeat + 1]
        )

        def call(index):
            response = self.api.post(
                f"{self.base}/tickets/{numbers[index]}/transition/",
                {"status": "in_progress"},
                content_type="application/json",
            )
            _expect(response, 200)

        p50, p95, queries = time_calls(call, self.repeat)
        self.figures.append(Figure("Transition (API)", p50, p95, queries))

    def bulk(self):
        numbers = list(
            Ticket.objects.filter(workspace=self.workspace, status="open")
            .order_by("number")
            .values_list("number", flat=True)[:1000]
        )
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = self.api.post(
                f"{self.base}/tickets/bulk/",
                {
                    "action": "status",
                    "tickets": numbers,
                    "params": {"status": "in_progress"},
                },
                content_type="application/json",
            )
        seconds = time.perf_counter() - started
        _expect(response, 200)
        self.figures.append(
            Figure(
                f"Bulk status change, {len(numbers)} tickets",
                p50=seconds * 1000,
                queries=len(captured),
                target="≤ 2 s",
                goal=2000,
                met=seconds <= 2,
                note="one request; history rows, events, SLA and sync included",
            )
        )

    def export(self):
        """The whole workspace through the background export (what a manager gets
        for more than EXPORT_BACKGROUND_THRESHOLD rows): rows/s and how far the
        process's resident memory rises above where it started."""
        job = ExportJob.objects.create(
            workspace=self.workspace, requested_by=self.manager, filters={}
        )
        sampler = _RssSampler().start()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            jobs.export_job_run(job.pk)
        seconds = time.perf_counter() - started
        growth = sampler.stop()
        job.refresh_from_db()
        if job.state != ExportJob.State.DONE:
            raise RuntimeError(f"export failed: {job.error}")
        job.file.delete(save=False)
        rate = job.done_rows / seconds
        self.figures.append(
            Figure(
                f"CSV export, {job.done_rows} rows",
                p50=seconds * 1000,
                rate=rate,
                queries=len(captured),
                target="≥ 20k rows/s, < 100 MB growth",
                goal=20000,
                met=rate >= 20000 and growth < 100,
                note=f"peak RSS growth {growth:.0f} MB",
            )
        )

    def sla_sweep(self):
        from sla import tasks as sla_tasks

        # Clocks of 1 % of the tickets fall due: unmet, unpaused clocks (breached
        # ones too, un-breached here) get a due time a second ago.
        unmet = SlaTarget.objects.filter(
            workspace=self.workspace, fulfilled_at__isnull=True, paused_at__isnull=True
        )
        total = Ticket.objects.filter(workspace=self.workspace).count()
        due = max(1, total // 100)
        ids = list(unmet.order_by("-id").values_list("id", flat=True)[:due])
        now = timezone.now()
        SlaTarget.objects.filter(id__in=ids).update(
            due_at=now - timedelta(seconds=1),
            warn_at=now - timedelta(minutes=1),
            breached_at=None,
            warned_at=None,
        )
        started = time.perf_counter()
        marked = 0
        with CaptureQueriesContext(connection) as captured:
            while True:
                done = sla_tasks.sla_sweep()
                if not done["breached"] and not done["warned"]:
                    break
                marked += done["breached"]
        seconds = time.perf_counter() - started
        self.figures.append(
            Figure(
                f"SLA sweep, {len(ids)} clocks due (1 % of tickets)",
                p50=seconds * 1000,
                queries=len(captured),
                target="≤ 1 s",
                goal=1000,
                met=seconds <= 1,
                note=f"{marked} breaches marked",
            )
        )

    def snooze_wake(self, due: int = 10_000):
        from tickets import tasks as ticket_tasks

        now = timezone.now()
        ids = list(
            Ticket.objects.filter(workspace=self.workspace, status="waiting_on_contact")
            .order_by("-id")
            .values_list("id", flat=True)[:due]
        )
        Ticket.objects.filter(id__in=ids).update(
            snoozed_until=now - timedelta(seconds=5)
        )
        started = time.perf_counter()
        woke = 0
        with CaptureQueriesContext(connection) as captured:
            while batch := ticket_tasks.wake_due_tickets():
                woke += batch
        seconds = time.perf_counter() - started
        self.figures.append(
            Figure(
                f"Snooze wake, {len(ids)} due",
                p50=seconds * 1000,
                queries=len(captured),
                rate=woke / seconds if seconds else None,
                note=f"{woke} woken",
            )
        )

    # --- sync against the local fake Zendesk (bench/sync.py) ---

    def sync(self, tickets: int = 300):
        from bench import sync

        self.figures += sync.measure(self, tickets)

    # --- intake through gunicorn ---

    def intake(self, sequential: int = 200, concurrent: int = 400, clients: int = 4):
        port = _free_port()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpdesk.settings"}
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "helpdesk.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        url = f"http://127.0.0.1:{port}{self.base}/escalations/"
        try:
            # Two workers import the whole project: long on a loaded machine.
            _wait_for(f"http://127.0.0.1:{port}/healthz", seconds=180)
            seq_rate = self._post_escalations(url, sequential, 1)
            par_rate = self._post_escalations(url, concurrent, clients)
        finally:
            server.terminate()
            try:
                server.wait(60)  # graceful: slow on a loaded machine
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        self.figures.append(
            Figure(
                "Escalation intake, 1 client", rate=seq_rate, note="gunicorn, 2 workers"
            )
        )
        self._escalation_in_process()
        self.figures.append(
            Figure(
                f"Escalation intake, {clients} clients",
                rate=par_rate,
                target="≥ 200/s",
                goal=200,
                met=par_rate >= 200,
                note="gunicorn, 2 workers",
            )
        )

    def _escalation_in_process(self):
        """One escalation's server time and statements, without HTTP and clients
        (the rate above shares this machine's two cores with its clients)."""

        def call(_index):
            response = self.api.post(
                f"{self.base}/escalations/",
                _escalation(),
                content_type="application/json",
            )
            _expect(response, 201)

        p50, p95, _ = time_calls(call, self.repeat)
        with CaptureQueriesContext(connection) as captured:
            call(0)
        control = {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}
        statements = [
            q for q in captured.captured_queries if q["sql"].split()[0] not in control
        ]
        self.figures.append(
            Figure(
                "Escalation (one, in process)",
                p50,
                p95,
                len(statements),
                target="≤ 12 queries",
                met=len(statements) <= 12,
                note="queries besides BEGIN and COMMIT",
            )
        )

    def _post_escalations(self, url, count, clients) -> float:
        errors = []

        def worker(share):
            session = requests.Session()
            session.headers["Authorization"] = f"Token {self.token}"
            for _ in range(share):
                response = session.post(url, json=_escalation(), timeout=30)
                if response.status_code not in (200, 201):
                    errors.append(response.status_code)

        threads = [
            threading.Thread(target=worker, args=(count // clients,))
            for _ in range(clients)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        if errors:
            raise RuntimeError(f"intake answered {errors[:5]}")
        return count / seconds


def _escalation() -> dict:
    """A new requester's new chat, escalated on request (as the AI agent posts it)."""
    key = uuid.uuid4().hex
    return {
        "event_id": key,
        "conversation": {
            "external_id": f"bench-{key}",
            "channel": "web",
            "contact": {"name": "Bench", "email": f"{key[:10]}@x.test"},
            "messages": [
                {
                    "author_kind": "contact",
                    "body": "I was charged twice",
                    "sent_at": "2026-03-02T09:00:00Z",
                },
                {
                    "author_kind": "ai",
                    "body": "Let me check.",
                    "sent_at": "2026-03-02T09:01:00Z",
                },
            ],
        },
        "question": "Why was I charged twice?",
        "answer": "Let me pass you on.",
        "confidence": 35,
        "topic": "billing",
        "intent": "refund",
        "reason": "Low confidence",
        "escalate": True,
    }


class _RssSampler:
    """Samples this process's resident set every 20 ms on a thread; stop() gives
    the peak rise in MB over the first sample (ru_maxrss only ever grows, so it
    would hide a step's own peak behind the seeding's)."""

    def __init__(self):
        self.baseline = self.peak = _rss_mb()
        self._running = threading.Event()

    def start(self) -> "_RssSampler":
        self._running.set()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running.is_set():
            self.peak = max(self.peak, _rss_mb())
            time.sleep(0.02)

    def stop(self) -> float:
        self._running.clear()
        self._thread.join()
        return max(self.peak, _rss_mb()) - self.baseline


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _expect(response, status: int) -> None:
    if response.status_code != status:
        raise RuntimeError(
            f"expected {status}, got {response.status_code}: {response.content[:300]!r}"
        )


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")
