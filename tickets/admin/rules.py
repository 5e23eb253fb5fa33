"""The admin of escalation rules, saved through the escalation-rule services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from helpdesk.admin import WorkspaceScopedAdmin
from tickets.intake import rules
from tickets.intake.serializers import RULE_FIELDS
from tickets.models import EscalationRule


class EscalationRuleForm(forms.ModelForm):
    class Meta:
        model = EscalationRule
        fields = ["workspace", *RULE_FIELDS]

    def clean(self):
        cleaned = super().clean()
        workspace = cleaned.get("workspace") or getattr(
            self.instance, "workspace", None
        )
        if workspace is None or self.errors:
            return cleaned
        values = {
            name: cleaned.get(name) for name in RULE_FIELDS if name in self.fields
        }
        try:
            self.clean_values = rules.escalation_rule_validate(
                workspace=workspace,
                values=values,
                rule=self.instance if self.instance.pk else None,
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                for error in errors:
                    self.add_error(name if name in self.fields else None, error)
        return cleaned


@admin.register(EscalationRule)
class EscalationRuleAdmin(WorkspaceScopedAdmin, SimpleHistoryAdmin):
    form = EscalationRuleForm
    manager_can_edit = True  # managers manage escalation rules
    scoped_foreign_keys = {"team": "workspace", "label": "workspace"}
    list_display = [
        "name",
        "workspace",
        "position",
        "is_active",
        "escalate",
        "priority",
        "team",
        "label",
        "group_within_days",
    ]
    list_display_links = ["name"]
    list_editable = ["position", "is_active"]
    list_filter = ["workspace", "is_active", "escalate"]
    search_fields = ["name"]
    list_select_related = ["workspace", "team", "label__parent"]
    autocomplete_fields = ["team", "label"]
    ordering = ["workspace", "position", "id"]

    def get_readonly_fields(self, request, obj=None):
        return ["workspace"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        values = getattr(form, "clean_values", None)
        if values is None:  # list_editable rows: only position / is_active
            values = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in RULE_FIELDS
            }
        if change:
            updated = rules.escalation_rule_update(
                rule=obj, actor=request.user, changes=values
            )
        else:
            updated = rules.escalation_rule_create(
                workspace=form.cleaned_data["workspace"],
                actor=request.user,
                values=values,
            )
        obj.pk = updated.pk
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        rules.escalation_rule_delete(rule=obj, actor=request.user)
