"""Settings: escalation rules in order (create, edit, delete, move, reorder by
drag) and "test a sample escalation against the rules", which only reads."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from helpdesk.lib.parsing import as_id
from tickets.intake import rules
from tickets.models import EscalationRule
from tickets.ui.settings_forms import RuleForm, SampleForm
from tickets.ui.views.settings_base import (
    EditableList,
    render_settings,
    settings_member,
)

ACTION = "rules.manage"


def _rules(membership):
    # One query for the list: the team and label each row names come with it.
    return (
        EscalationRule.objects.filter(workspace=membership.workspace)
        .select_related("team", "label__parent__parent")
        .order_by("position", "id")
    )


def _when(rule: EscalationRule) -> list[str]:
    """The rule's conditions in words."""
    parts = [
        f"confidence {word} {value}"
        for word, value in (
            ("below", rule.confidence_below),
            ("above", rule.confidence_above),
        )
        if value is not None
    ]
    for word, values in (
        ("channel", rule.channels),
        ("topic", rule.topics),
        ("intent", rule.intents),
        ("words", rule.keywords),
        ("e-mail at", rule.email_domains),
    ):
        if values:
            parts.append(f"{word} {', '.join(values)}")
    return parts or ["always"]


def _page(request, membership, *, form=None, editing=None, sample=None, status=200):
    workspace = membership.workspace
    sample = sample or SampleForm()
    rows = list(_rules(membership))
    for row in rows:
        row.when = _when(row)
    return render_settings(
        request,
        membership,
        "settings/rules.html",
        {
            "rules": rows,
            "form": form or RuleForm(workspace=workspace),
            "editing": editing,
            "sample": sample,
            "outcome": getattr(sample, "outcome", None),
        },
        status=status,
    )


def _initial(rule: EscalationRule) -> dict:
    fields = RuleForm.base_fields
    return {name: getattr(rule, name) for name in fields} | {
        "team": rule.team_id,
        "label": rule.label_id,
    }


def _save(request, membership, rule: EscalationRule | None, values: dict) -> None:
    if rule is None:
        rules.escalation_rule_create(
            workspace=membership.workspace, actor=request.user, values=values
        )
    else:
        rules.escalation_rule_update(rule=rule, actor=request.user, changes=values)


# The rules in the order intake tries them; POST to the list adds one at the end.
RULES = EditableList(
    action=ACTION,
    url_name="settings:rules",
    what="rule",
    form_class=RuleForm,
    rows=_rules,
    page=_page,
    initial=_initial,
    save=_save,
    delete=lambda request, rule: rules.escalation_rule_delete(
        rule=rule, actor=request.user
    ),
)
rule_list, rule_edit, rule_delete = RULES.views()


def _reorder(request, membership, order: list[int]):
    try:
        rules.escalation_rules_reorder(
            workspace=membership.workspace, actor=request.user, order=order
        )
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages), status=400)
    return None


@login_required
@require_POST
def rule_move(request, slug: str, pk: int):
    """The keyboard's way to reorder: one place up or down."""
    membership = settings_member(request, slug, ACTION)
    order = list(_rules(membership).values_list("pk", flat=True))
    if pk not in order or request.POST.get("direction") not in {"up", "down"}:
        raise Http404("No such rule.")
    at = order.index(pk)
    to = at - 1 if request.POST["direction"] == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    return _reorder(request, membership, order) or redirect("settings:rules", slug)


@login_required
@require_POST
def rule_reorder(request, slug: str):
    """The order after a drag (settings.js): every rule id, comma-separated."""
    membership = settings_member(request, slug, ACTION)
    order = [as_id(part) for part in request.POST.get("order", "").split(",")]
    if None in order:
        return HttpResponse("order: rule ids, comma-separated.", status=400)
    return _reorder(request, membership, order) or HttpResponse(status=204)


@login_required
@require_POST
def rule_test(request, slug: str):
    """Which rule a sample escalation would meet and what it would do. Reads
    only: no ticket, conversation or claim is made."""
    membership = settings_member(request, slug, ACTION)
    sample = SampleForm(request.POST)
    if not sample.is_valid():
        return _page(request, membership, sample=sample, status=422)
    data = sample.cleaned_data
    facts = rules.Facts(
        confidence=data["confidence"],
        channel=data["channel"],
        topic=data["topic"],
        intent=data["intent"],
        question=data["question"],
        email=data["email"],
    )
    sample.outcome = {"rule": rules.rule_for(membership.workspace, facts)}
    return _page(request, membership, sample=sample)
