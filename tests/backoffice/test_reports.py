import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from sla.models import SlaTarget
from sla.reports import sla_compliance
from tests.factories import MembershipFactory, TeamFactory, make_ticket
from tickets import services
from tickets.models import Ticket
from tickets.reports import charts, queries
from tickets.reports.views import REPORTS

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _ticket(workspace, created: datetime, **fields):
    with time_machine.travel(created, tick=False):
        return make_ticket(workspace, **fields)


def _respond(ticket, actor, when: datetime):
    with time_machine.travel(when, tick=False):
        services.comment_add(ticket=ticket, actor=actor, body="Hi", is_public=True)


def _resolve(ticket, actor, when: datetime):
    with time_machine.travel(when, tick=False):
        services.ticket_change_status(ticket=ticket, to="resolved", actor=actor)


@pytest.fixture
def timed(workspace, other_workspace, manager):
    """Tickets with known timings (hours from creation):

    ticket  created      team     first response  resolved
    A       03-01 09:00  Billing  1               4
    B       03-01 10:00  Billing  2               24
    C       03-02 08:00  Support  0.5             8
    D       03-03 12:00  -        -               -
    E       02-28 12:00  Support  -               48 (resolved in range)
    """
    billing = TeamFactory(workspace=workspace, name="Billing")
    support = TeamFactory(workspace=workspace, name="Support")
    ai = {"source": "ai_escalation", "assignee": None}
    a = _ticket(workspace, at(1, 9), team=billing, priority=4, confidence=15, **ai)
    b = _ticket(workspace, at(1, 10), team=billing, priority=3, confidence=95, **ai)
    c = _ticket(workspace, at(2, 8), team=support, priority=4, confidence=50, **ai)
    _ticket(workspace, at(3, 12), subject="D")
    e = _ticket(workspace, at(28, 12, month=2), team=support, confidence=100)
    _ticket(other_workspace, at(1, 9), confidence=5, source="ai_escalation")
    _respond(a, manager, at(1, 10))
    _respond(b, manager, at(1, 12))
    _respond(c, manager, at(2, 8, 30))
    _resolve(a, manager, at(1, 13))
    _resolve(b, manager, at(2, 10))
    _resolve(c, manager, at(2, 16))
    _resolve(e, manager, at(2, 12))
    return queries.make_period(workspace, date(2026, 3, 1), date(2026, 3, 3))


def test_created_and_resolved_per_day(workspace, timed):
    created = queries.created_per_day(workspace, timed, "none")
    resolved = queries.resolved_per_day(workspace, timed, "none")

    assert created.rows == [
        ["2026-03-01", "All tickets", 2],
        ["2026-03-02", "All tickets", 1],
        ["2026-03-03", "All tickets", 1],
    ]
    assert resolved.rows == [
        ["2026-03-01", "All tickets", 1],
        ["2026-03-02", "All tickets", 3],
    ]
    assert created.categories == ["2026-03-01", "2026-03-02", "2026-03-03"]


def test_created_per_day_grouped_by_team(workspace, timed):
    report = queries.created_per_day(workspace, timed, "team")
    assert report.rows == [
        ["2026-03-01", "Billing", 2],
        ["2026-03-02", "Support", 1],
        ["2026-03-03", "(none)", 1],
    ]


def test_first_response_median_and_p90(workspace, timed):
    report = queries.first_response_times(workspace, timed, "none")
    # 0.5 h, 1 h, 2 h: median 1; p90 at position 1.8 = 1 + 0.8 * (2 - 1)
    assert report.columns == ["everything", "tickets", "median_hours", "p90_hours"]
    assert report.rows == [["All tickets", 3, 1.0, 1.8]]


def test_resolution_median_and_p90_overall_and_by_team(workspace, timed):
    overall = queries.resolution_times(workspace, timed, "none")
    by_team = queries.resolution_times(workspace, timed, "team")

    # 4, 8, 24, 48 h: median 16; p90 at position 2.7 = 24 + 0.7 * 24
    assert overall.rows == [["All tickets", 4, 16.0, 40.8]]
    assert sorted(by_team.rows) == [
        ["Billing", 2, 14.0, 22.0],  # 4 and 24
        ["Support", 2, 28.0, 44.0],  # 8 and 48
    ]


def test_backlog_escalations_and_confidence(workspace, timed):
    backlog = queries.backlog_by_status(workspace, timed, "none")
    escalations = queries.escalations_per_day(workspace, timed, "priority")
    confidence = queries.confidence_distribution(workspace, timed, "none")

    assert sorted(backlog.rows) == [
        ["Open", "All tickets", 1],
        ["Resolved", "All tickets", 3],
    ]
    assert escalations.rows == [
        ["2026-03-01", "3 Medium", 1],
        ["2026-03-01", "4 High", 1],
        ["2026-03-02", "4 High", 1],
    ]
    assert confidence.rows == [
        ["10-19", "All tickets", 1],
        ["50-59", "All tickets", 1],
        ["90-100", "All tickets", 1],
    ]


def test_days_follow_the_workspace_time_zone(workspace):
    workspace.timezone = "America/New_York"
    workspace.save()
    _ticket(workspace, at(2, 3))  # 22:00 on March 1st in New York
    period = queries.make_period(workspace, date(2026, 3, 1), date(2026, 3, 2))

    report = queries.created_per_day(workspace, period, "none")

    assert report.rows == [["2026-03-01", "All tickets", 1]]


def test_reports_are_sql_aggregates_not_loops(
    workspace, timed, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        queries.created_per_day(workspace, timed, "team")
    with django_assert_max_num_queries(3):
        queries.confidence_distribution(workspace, timed, "label")


def test_sla_compliance_counts_achieved_and_breached_clocks(workspace, timed):
    """Clocks due in the range: fulfilled in time, fulfilled late, marked breached,
    overdue and still running, and due after the range (not counted)."""
    tickets = list(Ticket.objects.filter(workspace=workspace).order_by("number"))

    def clock(ticket, metric, due, fulfilled=None, breached=None):
        SlaTarget.objects.create(
            workspace=workspace,
            ticket=ticket,
            metric=metric,
            target_seconds=3600,
            started_at=due - timedelta(hours=1),
            due_at=due,
            warn_at=due - timedelta(minutes=15),
            fulfilled_at=fulfilled,
            breached_at=breached,
        )

    clock(tickets[0], "first_response", at(1, 10), fulfilled=at(1, 9, 30))
    clock(tickets[1], "first_response", at(1, 11), fulfilled=at(1, 12))
    clock(tickets[2], "first_response", at(2, 9), breached=at(2, 9))
    clock(tickets[0], "resolution", at(2, 9), fulfilled=at(1, 13))
    clock(tickets[3], "resolution", at(3, 13))  # overdue, still running
    clock(tickets[1], "resolution", at(20, 9))  # due after the range

    by_metric = sla_compliance(workspace, timed, "none")
    by_team = sla_compliance(workspace, timed, "team")

    assert by_metric.rows == [
        ["First response", "All tickets", 1, 2],
        ["Resolution", "All tickets", 1, 1],
    ]
    assert sorted(by_team.rows) == [
        ["First response", "Billing", 1, 1],
        ["First response", "Support", 0, 1],
        ["Resolution", "(none)", 0, 1],
        ["Resolution", "Billing", 1, 0],
    ]


def test_chart_stacks_counts_and_scales_to_the_axis(workspace, timed):
    chart = charts.build(queries.created_per_day(workspace, timed, "team"))

    assert not chart.empty
    assert [bar.title for bar in chart.bars] == [
        "2026-03-01 · Billing: 2",
        "2026-03-02 · Support: 1",
        "2026-03-03 · (none): 1",
    ]
    assert chart.y_ticks[-1][1] == "4"
    assert chart.bars[0].height == 2 * chart.bars[1].height


def test_manager_sees_the_reports_page_with_charts(manager_client, timed):
    response = manager_client.get(
        reverse("reports:index", args=["acme"]),
        {"start": "2026-03-01", "end": "2026-03-03", "group": "team"},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('<svg class="chart"') == len(REPORTS) - 1  # no SLA clocks yet
    assert "Download CSV" in content
    assert "SLA compliance" in content


def test_report_csv_has_the_charts_numbers(manager_client, timed):
    response = manager_client.get(
        reverse("reports:csv", args=["acme", "resolution"]),
        {"start": "2026-03-01", "end": "2026-03-03"},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["everything", "tickets", "median_hours", "p90_hours"],
        ["All tickets", "4", "16.0", "40.8"],
    ]


def test_report_csv_escapes_group_names(workspace, manager_client):
    team = TeamFactory(workspace=workspace, name="=evil()")
    _ticket(workspace, at(1, 9), team=team)

    response = manager_client.get(
        reverse("reports:csv", args=["acme", "created"]),
        {"start": "2026-03-01", "end": "2026-03-01", "group": "team"},
    )

    assert "'=evil()" in response.content.decode()


def test_bad_range_or_grouping_answers_400(manager_client):
    url = reverse("reports:index", args=["acme"])
    assert manager_client.get(url, {"group": "colour"}).status_code == 400
    bad_range = {"start": "2026-03-05", "end": "2026-03-01"}
    assert manager_client.get(url, bad_range).status_code == 400
    csv_url = reverse("reports:csv", args=["acme", "nope"])
    assert manager_client.get(csv_url).status_code == 404


def test_agent_cannot_reach_reports(agent_client):
    assert agent_client.get(reverse("reports:index", args=["acme"])).status_code == 403
    csv_url = reverse("reports:csv", args=["acme", "created"])
    assert agent_client.get(csv_url).status_code == 403


def test_manager_of_another_workspace_gets_404_for_its_slug(
    workspace, other_workspace, client
):
    outsider = MembershipFactory(workspace=other_workspace, role="manager").user
    outsider.save()
    client.force_login(outsider)

    for name, args in [
        ("index", []),
        ("csv", ["created"]),
        ("export", []),
        ("import", []),
        ("template", []),
    ]:
        url = reverse(f"reports:{name}", args=[workspace.slug, *args])
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("reports:index", args=["globex"])).status_code == 200


def test_old_reports_urls_redirect_to_the_members_workspace(
    workspace, other_workspace, manager_client
):
    response = manager_client.get("/reports/", {"group": "team"})
    assert response.status_code == 302
    assert response["Location"] == "/w/acme/reports/?group=team"
    response = manager_client.get("/reports/export.csv?workspace=acme&priority=5")
    assert response["Location"] == "/w/acme/reports/export.csv?priority=5"
    # Another workspace's slug: 404, as under /w/globex/.
    assert manager_client.get("/reports/?workspace=globex").status_code == 404


def test_old_reports_url_refuses_an_agent(agent_client):
    assert agent_client.get("/reports/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("reports:index", args=["acme"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
