from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import make_ticket
from tickets.ui.snooze import resolve_snooze, snooze_presets, snooze_until

# Saturday 30 March 2024 23:30 UTC = Sunday 31 March 00:30 in Berlin, the night
# the clocks go forward.
NOW = datetime(2024, 3, 30, 23, 30, tzinfo=UTC)


@pytest.fixture
def berlin(workspace):
    workspace.timezone = "Europe/Berlin"
    return workspace


def test_one_hour_preset(berlin):
    assert snooze_until("1h", workspace=berlin, now=NOW) == NOW + timedelta(hours=1)


def test_tomorrow_is_nine_in_the_morning_workspace_time(berlin):
    until = snooze_until("tomorrow", workspace=berlin, now=NOW)
    assert until == datetime(2024, 4, 1, 7, 0, tzinfo=UTC)  # 9:00 CEST Monday


def test_next_monday_from_a_sunday_is_the_next_day(berlin):
    until = snooze_until("next_monday", workspace=berlin, now=NOW)
    assert until == datetime(2024, 4, 1, 7, 0, tzinfo=UTC)


def test_next_monday_from_a_monday_is_a_week_later(berlin):
    monday = datetime(2024, 4, 1, 10, 0, tzinfo=UTC)
    until = snooze_until("next_monday", workspace=berlin, now=monday)
    assert until == datetime(2024, 4, 8, 7, 0, tzinfo=UTC)


def test_unknown_preset_and_naive_custom_are_field_errors(berlin):
    with pytest.raises(ValidationError, match="Unknown preset"):
        snooze_until("someday", workspace=berlin, now=NOW)
    with pytest.raises(ValidationError, match="time zone"):
        snooze_until("custom", workspace=berlin, now=NOW, custom=None)


def test_the_menu_sends_presets_not_times():
    assert snooze_presets() == [
        ("1h", "In 1 hour"),
        ("4h", "In 4 hours"),
        ("tomorrow", "Tomorrow 9:00"),
        ("next_monday", "Next Monday 9:00"),
        ("custom", "Custom"),
    ]


def test_a_preset_is_resolved_when_submitted_not_when_rendered(berlin):
    """A panel left open for an hour: "In 1 hour" counts from the click."""
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        until = resolve_snooze("1h", "", workspace=berlin)
    assert until == NOW + timedelta(hours=2)


def test_a_picked_local_time_is_read_in_the_workspace_time_zone(berlin):
    with time_machine.travel(NOW, tick=False):
        until = resolve_snooze("custom", "2024-04-02T08:15", workspace=berlin)
    assert until == datetime(2024, 4, 2, 6, 15, tzinfo=UTC)  # CEST is UTC+2


@pytest.mark.parametrize("choice, picked", [("", ""), ("custom", ""), ("x", "")])
def test_nothing_picked_or_garbage_is_a_clear_error(berlin, choice, picked):
    with pytest.raises(ValidationError, match="Pick"):
        resolve_snooze(choice, picked, workspace=berlin)


def test_the_panel_snoozes_from_the_moment_of_the_click(client, agent, workspace):
    ticket = make_ticket(workspace, agent, assignee=agent)
    client.force_login(agent)
    url = reverse("tickets:snooze", args=["acme", ticket.number])
    with time_machine.travel(NOW, tick=False):
        response = client.post(url, {"until": "4h"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.snoozed_until == NOW + timedelta(hours=4)
