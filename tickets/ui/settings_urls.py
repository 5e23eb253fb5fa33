"""/w/<slug>/settings/: the in-app settings for managers and admins. Mounted by
helpdesk.urls; the integrations page under settings/integrations/ belongs to
integrations.ui_urls."""

from django.urls import path

from tickets.ui.views import (
    settings_hub,
    settings_members,
    settings_rules,
    settings_sla,
    settings_statuses,
    settings_teams,
)

app_name = "settings"

base = "w/<slug:slug>/settings/"

urlpatterns = [
    path(base, settings_hub.settings_hub, name="hub"),
    path(base + "rules/", settings_rules.rule_list, name="rules"),
    path(base + "rules/order/", settings_rules.rule_reorder, name="rule_reorder"),
    path(base + "rules/test/", settings_rules.rule_test, name="rule_test"),
    path(base + "rules/<int:pk>/", settings_rules.rule_edit, name="rule_edit"),
    path(
        base + "rules/<int:pk>/delete/", settings_rules.rule_delete, name="rule_delete"
    ),
    path(base + "rules/<int:pk>/move/", settings_rules.rule_move, name="rule_move"),
    path(base + "sla/", settings_sla.policy_list, name="policies"),
    path(base + "sla/<int:pk>/", settings_sla.policy_edit, name="policy_edit"),
    path(base + "hours/", settings_sla.calendar_list, name="calendars"),
    path(base + "hours/<int:pk>/", settings_sla.calendar_edit, name="calendar_edit"),
    path(base + "statuses/", settings_statuses.status_names, name="statuses"),
    path(base + "teams/", settings_teams.team_list, name="teams"),
    path(base + "teams/<int:pk>/", settings_teams.team_edit, name="team_edit"),
    path(
        base + "teams/<int:pk>/delete/", settings_teams.team_delete, name="team_delete"
    ),
    path(base + "members/", settings_members.member_list, name="members"),
    path(
        base + "members/<int:pk>/role/",
        settings_members.member_role,
        name="member_role",
    ),
    path(
        base + "members/<int:pk>/remove/",
        settings_members.member_remove,
        name="member_remove",
    ),
    path(
        base + "invitations/<int:pk>/revoke/",
        settings_members.invitation_revoke,
        name="invitation_revoke",
    ),
]
