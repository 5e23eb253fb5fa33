from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from tickets.ui.snooze import PRESETS, snooze_presets, snooze_until

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


def test_the_menus_offer_the_presets_of_the_one_list(berlin):
    menu = snooze_presets(workspace=berlin, now=NOW)
    assert [label for _, label in menu] == [
        label for preset, label in PRESETS.items() if preset != "custom"
    ]
    for (value, _), preset in zip(menu, PRESETS, strict=False):
        until = datetime.fromisoformat(value)
        assert until == snooze_until(preset, workspace=berlin, now=NOW)
        assert until.utcoffset() == until.astimezone(berlin.tz).utcoffset()
