"""The reports read in words: people by name, channels, statuses and SLA metrics
by their labels, and chart axes whose labels never overlap or get cut."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import MembershipFactory, make_ticket
from tickets.reports import charts, queries
from tickets.reports.queries import Report

LABEL_WIDTH = charts.CHAR_WIDTH  # px a character, as the chart estimates it


def _counts(categories, kind="categories"):
    rows = [[category, "All tickets", 1] for category in categories]
    return Report("r", "R", ["c", "g", "n"], rows, kind, categories=categories)


def _level_labels_do_not_touch(chart):
    for left, right in zip(chart.x_labels, chart.x_labels[1:], strict=False):
        room = right.x - left.x
        needed = (len(left.text) + len(right.text)) / 2 * LABEL_WIDTH
        assert room >= needed, (left, right)


def _slanted_labels_on_the_canvas(chart):
    """Each label ends at its bar and runs down-left at 45°: its tail is on the
    canvas, which starts at min_x and is `width` wide."""
    for label in chart.x_labels:
        assert label.x - len(label.text) * LABEL_WIDTH * 0.7071 >= chart.min_x, label
    assert chart.width == 720 - chart.min_x


@pytest.mark.django_db
def test_agents_are_named_and_channels_said_in_words(workspace):
    olivia = MembershipFactory(
        workspace=workspace,
        role="agent",
        user__username="olivia",
        user__first_name="Olivia",
        user__last_name="Brown",
        user__email="olivia@acme.example",
    ).user
    nameless = MembershipFactory(
        workspace=workspace, role="agent", user__username="sam", user__email="s@x.io"
    ).user
    make_ticket(workspace, assignee=olivia, channel="web_chat")
    make_ticket(workspace, assignee=nameless, channel="web_chat")
    today = timezone.now().astimezone(workspace.tz).date()
    period = queries.make_period(workspace, today, today)

    by_agent = queries.backlog_by_status(workspace, period, "agent")
    by_channel = queries.backlog_by_status(workspace, period, "channel")

    assert sorted(row[1] for row in by_agent.rows) == ["Olivia Brown", "sam"]
    assert by_channel.rows == [["Open", "Web chat", 2]]


@pytest.mark.django_db
def test_backlog_uses_the_workspaces_status_names(workspace):
    workspace.settings = {"statuses": {"in_progress": {"name": "Waiting on Agent"}}}
    workspace.save()
    ticket = make_ticket(workspace)
    ticket.status = "in_progress"
    ticket.save(update_fields=["status"])
    today = timezone.now().astimezone(workspace.tz).date()

    report = queries.backlog_by_status(
        workspace, queries.make_period(workspace, today, today), "none"
    )

    assert report.rows == [["Waiting on Agent", "All tickets", 1]]
    assert report.categories == [
        "Open",
        "Waiting on Agent",
        "Waiting on Contact",
        "Resolved",
        "Closed",
        "Archived",
    ]


def test_days_are_labelled_level_and_spaced_out():
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(30)]
    chart = charts.build(_counts([d.isoformat() for d in days], kind="daily"))

    assert chart.angle == 0
    # "10 Mar" is 6 characters, 39 px; a day is 22 px wide: a label every third day.
    assert [label.text for label in chart.x_labels[:4]] == [
        "1 Mar",
        "4 Mar",
        "7 Mar",
        "10 Mar",
    ]
    _level_labels_do_not_touch(chart)


def test_short_names_stay_level():
    chart = charts.build(_counts(["Billing", "Technical", "Accounts"]))

    assert chart.angle == 0
    assert [label.text for label in chart.x_labels] == [
        "Billing",
        "Technical",
        "Accounts",
    ]
    _level_labels_do_not_touch(chart)


def test_statuses_are_slanted_whole_and_inside_the_canvas():
    names = [
        "Open",
        "In Progress",
        "Waiting on Contact",
        "Resolved",
        "Closed",
        "Archived",
    ]
    chart = charts.build(_counts(names))

    assert chart.angle == 45
    assert [label.text for label in chart.x_labels] == names  # none cut, none skipped
    _slanted_labels_on_the_canvas(chart)
    # The canvas is tall enough for the longest name slanted below the axis.
    assert chart.height >= chart.label_y + 18 * LABEL_WIDTH * 0.7071


def test_many_long_names_are_cut_and_thinned_to_fit():
    names = [f"Bartholomew Featherstone {n:02d}" for n in range(80)]
    chart = charts.build(_counts(names))

    assert chart.angle == 45
    assert chart.x_labels[0].text == "Bartholomew Featherston…"
    assert chart.x_labels[0].full == "Bartholomew Featherstone 00"
    # 80 bars of 8.25 px: slanted lines 13 px apart need every third one.
    assert [label.full[-2:] for label in chart.x_labels[:3]] == ["00", "03", "06"]
    gap = chart.x_labels[1].x - chart.x_labels[0].x
    assert gap * 0.7071 >= 13
    assert chart.min_x < 0  # the first name's tail reaches left of the plot
    _slanted_labels_on_the_canvas(chart)


def test_sla_bars_are_named_by_metric_and_group():
    rows = [
        ["First response", "Olivia", 3, 1],
        ["First response", "Liam", 2, 0],
        ["Resolution", "Olivia", 1, 1],
    ]
    chart = charts.build(Report("sla", "SLA", ["m", "g", "a", "b"], rows, "sla"))
    ungrouped = charts.build(
        Report("sla", "SLA", [], [["First response", "All tickets", 3, 1]], "sla")
    )

    assert [label.full for label in chart.x_labels] == [
        "Olivia · First response",
        "Liam · First response",
        "Olivia · Resolution",
    ]
    assert chart.legend == [("Achieved", "#2563eb"), ("Breached", "#f97316")]
    assert [label.text for label in ungrouped.x_labels] == ["First response"]


def test_durations_series_are_named_in_words():
    rows = [["Olivia", 3, 1.5, 4.0]]
    chart = charts.build(Report("d", "D", [], rows, "durations"))

    assert [name for name, _ in chart.legend] == ["Median", "90th percentile"]
