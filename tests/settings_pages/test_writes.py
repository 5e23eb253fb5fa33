"""The settings forms: each write goes through its service, bad input is a form
error with nothing changed (never a 500), and the sample test creates nothing."""

import re

import pytest

from helpdesk.models import Team
from sla.models import Calendar, SlaPolicy
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.figures import report
from tickets.intake import rules
from tickets.models import Conversation, EscalationRule, Ticket

pytestmark = pytest.mark.django_db


def errors(answer) -> list[str]:
    return re.findall(
        r'<p class="error" role="alert">(.*?)</p>', answer.content.decode()
    )


@pytest.fixture
def managed(client, manager):
    client.force_login(manager)
    return client


def test_a_rule_is_created_edited_and_deleted(managed, workspace):
    team = TeamFactory(workspace=workspace, name="Billing")
    answer = managed.post(
        "/w/acme/settings/rules/",
        {
            "name": "Refunds",
            "is_active": "on",
            "keywords": "refund, money back",
            "escalate": "on",
            "priority": "4",
            "team": str(team.pk),
            "tags": "billing",
        },
    )
    assert answer.status_code == 302
    rule = EscalationRule.objects.get(workspace=workspace)
    assert (rule.name, rule.keywords, rule.priority, rule.team_id, rule.tags) == (
        "Refunds",
        ["refund", "money back"],
        4,
        team.pk,
        ["billing"],
    )
    assert rule.history.first().history_user.username == "manager"
    page = managed.get(f"/w/acme/settings/rules/{rule.pk}/").content.decode()
    assert 'value="refund, money back"' in page
    managed.post(
        f"/w/acme/settings/rules/{rule.pk}/", {"name": "Refunds", "priority": "2"}
    )
    rule.refresh_from_db()
    assert rule.priority == 2
    managed.post(f"/w/acme/settings/rules/{rule.pk}/delete/")
    assert not EscalationRule.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "priority": "3"}, "This field is required."),
        ({"name": "x", "confidence_below": "150"}, "less than or equal to 100"),
        ({"name": "x", "confidence_below": "²"}, "Enter a whole number."),
        (
            {"name": "x", "confidence_below": "20", "confidence_above": "50"},
            "the rule would never match",
        ),
        ({"name": "x", "email_domains": "not a domain"}, "Not a domain"),
        ({"name": "x", "team": "99999"}, "Pick a team here."),
        ({"name": "x\x00y"}, "Null characters are not allowed."),
    ],
)
def test_bad_rule_input_is_a_form_error_and_changes_nothing(managed, data, message):
    answer = managed.post("/w/acme/settings/rules/", data)
    assert answer.status_code == 422
    assert any(message in e for e in errors(answer)), errors(answer)
    assert not EscalationRule.objects.exists()


def _rule(workspace, name, **values):
    return rules.escalation_rule_create(
        workspace=workspace, actor=None, values={"name": name, **values}
    )


def test_rules_are_reordered_by_buttons_and_by_drag(managed, workspace):
    a, b, c = (_rule(workspace, n) for n in "ABC")

    def order():
        return list(
            EscalationRule.objects.order_by("position").values_list("name", flat=True)
        )

    managed.post(f"/w/acme/settings/rules/{c.pk}/move/", {"direction": "up"})
    assert order() == ["A", "C", "B"]
    managed.post(f"/w/acme/settings/rules/{a.pk}/move/", {"direction": "up"})
    assert order() == ["A", "C", "B"]  # already first
    answer = managed.post(
        "/w/acme/settings/rules/order/", {"order": f"{b.pk},{a.pk},{c.pk}"}
    )
    assert answer.status_code == 204
    assert order() == ["B", "A", "C"]
    for bad in [f"{a.pk},{b.pk}", f"{a.pk},{b.pk},{c.pk},{c.pk}", "x,1", ""]:
        assert (
            managed.post("/w/acme/settings/rules/order/", {"order": bad}).status_code
            == 400
        )
    assert order() == ["B", "A", "C"]


def test_a_sample_escalation_shows_the_matching_rule_and_creates_nothing(
    managed, workspace
):
    _rule(workspace, "Unsure bot", confidence_below=40, escalate=True, priority=4)
    _rule(workspace, "Chit-chat", topics=["smalltalk"], escalate=False)
    _rule(workspace, "Everything else")

    def test(**data):
        answer = managed.post("/w/acme/settings/rules/test/", data)
        assert answer.status_code == 200
        page = answer.content.decode()
        match = re.search(r"<strong data-matched-rule>(.*?)</strong>", page)
        action = re.search(
            r'data-action="([a-z-]+)"', page.split('class="sample-result"')[1]
        )
        return match.group(1), action.group(1)

    assert test(confidence="20") == ("Unsure bot", "escalate")
    assert test(confidence="90", topic="SmallTalk") == ("Chit-chat", "no-escalation")
    assert test(confidence="90") == ("Everything else", "escalate")
    assert Ticket.objects.count() == Conversation.objects.count() == 0
    answer = managed.post("/w/acme/settings/rules/test/", {"confidence": "101"})
    assert answer.status_code == 422


def test_a_policy_with_targets_is_created_and_a_duplicate_target_refused(
    managed, workspace
):
    calendar = Calendar.objects.create(workspace=workspace, name="Office")
    form = {
        "name": "VIP",
        "position": "0",
        "is_active": "on",
        "calendar": str(calendar.pk),
        "priorities": ["4", "5"],
        "tag_names": "vip",
        "targets-TOTAL_FORMS": "2",
        "targets-INITIAL_FORMS": "0",
        "targets-0-priority": "5",
        "targets-0-metric": "first_response",
        "targets-0-minutes": "30",
        "targets-0-warn_percent": "25",
        "targets-1-priority": "5",
        "targets-1-metric": "resolution",
        "targets-1-minutes": "480",
        "targets-1-warn_percent": "10",
        "targets-1-business_hours": "on",
    }
    assert managed.post("/w/acme/settings/sla/", form).status_code == 302
    policy = SlaPolicy.objects.get()
    assert policy.conditions == {"priority": [4, 5], "tags": ["vip"]}
    assert sorted(
        policy.targets.values_list("metric", "minutes", "business_hours")
    ) == [
        ("first_response", 30, False),
        ("resolution", 480, True),
    ]
    duplicate = {**form, "targets-1-metric": "first_response"}
    answer = managed.post(f"/w/acme/settings/sla/{policy.pk}/", duplicate)
    assert answer.status_code == 422
    assert "Give one target per priority and metric." in answer.content.decode()
    assert policy.targets.count() == 2
    bad = {**form, "targets-0-minutes": "0", "calendar": "99999"}
    answer = managed.post("/w/acme/settings/sla/", bad)
    assert answer.status_code == 422
    assert SlaPolicy.objects.count() == 1


def test_a_calendar_with_hours_and_holidays(managed, workspace):
    form = {
        "name": "Office",
        "timezone": "Europe/Paris",
        "hours-TOTAL_FORMS": "2",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "0",
        "hours-0-start": "09:00",
        "hours-0-end": "17:30",
        "hours-1-weekday": "4",
        "hours-1-start": "20:00",
        "hours-1-end": "00:00",
        "holidays-TOTAL_FORMS": "1",
        "holidays-INITIAL_FORMS": "0",
        "holidays-0-date": "2026-12-25",
        "holidays-0-name": "Christmas",
    }
    assert managed.post("/w/acme/settings/hours/", form).status_code == 302
    calendar = Calendar.objects.get()
    assert list(
        calendar.intervals.values_list("weekday", "start_minute", "end_minute")
    ) == [
        (0, 540, 1050),
        (4, 1200, 1440),
    ]
    assert [str(d) for d in calendar.holidays.values_list("date", flat=True)] == [
        "2026-12-25"
    ]
    for bad in (
        {"hours-0-end": "08:00"},
        {"timezone": "Mars/Olympus"},
        {"holidays-0-date": "2026-02-30"},
    ):
        answer = managed.post(f"/w/acme/settings/hours/{calendar.pk}/", {**form, **bad})
        assert answer.status_code == 422, bad
    calendar.refresh_from_db()
    assert (calendar.timezone, calendar.intervals.count()) == ("Europe/Paris", 2)


def _strip_csrf(answer) -> str:
    # The CSRF token is masked afresh on every answer.
    return re.sub(r"[A-Za-z0-9]{64}", "", answer.content.decode())


def test_team_members_are_picked_by_name_and_a_foreign_user_answers_like_nobody(
    managed, workspace, other_workspace
):
    ann = MembershipFactory(workspace=workspace, user__username="ann").user
    foreign = MembershipFactory(
        workspace=other_workspace, user__username="globexbob", user__first_name="Bob"
    ).user
    UserFactory(username="loner")  # in no workspace
    answer = managed.post(
        "/w/acme/settings/teams/",
        {"name": "Billing", "routing": "round_robin", "members": ["ann"]},
    )
    assert answer.status_code == 302
    team = Team.objects.get(workspace=workspace)
    assert list(team.members.all()) == [ann]
    assert team.routing == "round_robin"

    def add(member):
        return managed.post(
            f"/w/acme/settings/teams/{team.pk}/",
            {"name": "Billing", "routing": "round_robin", "members": ["ann", member]},
        )

    as_foreign, as_unknown, as_id = (
        add("globexbob"),
        add("nobody-here"),
        add(str(ann.pk)),
    )
    assert as_foreign.status_code == as_unknown.status_code == as_id.status_code == 422
    assert _strip_csrf(as_foreign) == _strip_csrf(as_unknown) == _strip_csrf(as_id)
    assert "Pick members of this workspace." in errors(as_foreign)
    assert b"globexbob" not in as_foreign.content and b"Bob" not in as_foreign.content
    assert list(team.members.all()) == [ann]
    assert foreign not in team.members.all()
    report(
        "M2",
        {"foreign_added": 0, "same_answer": True},
        foreign_added=int(foreign in team.members.all()),
        same_answer=_strip_csrf(as_foreign) == _strip_csrf(as_unknown),
    )
    duplicate = managed.post(
        "/w/acme/settings/teams/", {"name": "BILLING", "routing": "none"}
    )
    assert "Another team has this name." in errors(duplicate)
    managed.post(f"/w/acme/settings/teams/{team.pk}/delete/")
    assert not Team.objects.filter(workspace=workspace).exists()
