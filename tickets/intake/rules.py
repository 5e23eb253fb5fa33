"""Escalation rules: which rule decides an interaction, and the rules' writes.

Rules are ordered per workspace; the first active rule whose conditions all hold
wins. Their input is validated by `EscalationRuleInputSerializer` (admin, API and
services alike); the writes record who made them (history user and a log line).
"""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from helpdesk import config_cache
from helpdesk.actors import Actor, actor_label, actor_user
from helpdesk.models import Workspace
from tickets.intake.serializers import EscalationRuleInputSerializer, validated
from tickets.models import EscalationRule

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Facts:
    """What the rules look at."""

    confidence: int | None = None
    channel: str = ""
    topic: str = ""
    intent: str = ""
    question: str = ""
    transcript: str = ""
    email: str = ""


def _in(value: str, options: Iterable[str]) -> bool:
    value = value.strip().casefold()
    return any(value == option.strip().casefold() for option in options)


def _keyword_pattern(keyword: str) -> re.Pattern:
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _domain_matches(email: str, domains: Iterable[str]) -> bool:
    if "@" not in email:
        return False
    domain = email.rsplit("@", 1)[1].casefold()
    for option in domains:
        option = option.strip().casefold().lstrip("@")
        if domain == option or domain.endswith("." + option):
            return True
    return False


def _confidence_matches(rule: EscalationRule, confidence: int | None) -> bool:
    if rule.confidence_below is not None and (
        confidence is None or not confidence < rule.confidence_below
    ):
        return False
    return rule.confidence_above is None or (
        confidence is not None and confidence > rule.confidence_above
    )


def rule_matches(rule: EscalationRule, facts: Facts) -> bool:
    """Whether every condition the rule sets holds for `facts`."""
    if not _confidence_matches(rule, facts.confidence):
        return False
    if rule.channels and not _in(facts.channel, rule.channels):
        return False
    if rule.topics and not _in(facts.topic, rule.topics):
        return False
    if rule.intents and not _in(facts.intent, rule.intents):
        return False
    if rule.keywords:
        text = facts.question + "\n" + facts.transcript
        if not any(_keyword_pattern(k).search(text) for k in rule.keywords if k):
            return False
    return not (
        rule.email_domains and not _domain_matches(facts.email, rule.email_domains)
    )


def active_rules(workspace: Workspace) -> list[EscalationRule]:
    """The workspace's active rules by position, with their team and label, from
    this process's config cache (read only: the rows are shared)."""

    def load():
        rules = EscalationRule.objects.filter(workspace=workspace, is_active=True)
        return list(
            rules.select_related("team", "label__parent").order_by("position", "id")
        )

    return config_cache.cached(workspace, "escalation_rules", load)


def rule_for(workspace: Workspace, facts: Facts) -> EscalationRule | None:
    """The workspace's first active rule, by position, whose conditions match."""
    for rule in active_rules(workspace):
        if rule_matches(rule, facts):
            return rule
    return None


def rule_ref(rule: EscalationRule | None) -> dict | None:
    """The rule as events and API answers name it."""
    return None if rule is None else {"id": rule.pk, "name": rule.name}


# --- writes ---


def escalation_rule_validate(
    *,
    workspace: Workspace,
    values: dict[str, Any],
    rule: EscalationRule | None = None,
) -> dict[str, Any]:
    """Normalised rule fields (team and label as rows of `workspace`), or a
    ValidationError naming every bad field; with `rule`, only the fields given are
    checked, against the stored rule."""
    return dict(
        validated(
            EscalationRuleInputSerializer,
            values,
            instance=rule,
            partial=rule is not None,
            context={"workspace": workspace},
        )
    )


def _audited_save(rule: EscalationRule, actor: Actor | None, what: str) -> None:
    """Save `rule` with its history user (the field history of rules) and log who
    did `what`."""
    rule._history_user = actor_user(actor)
    rule._change_reason = what
    rule.save()
    logger.info(
        "Escalation rule %s (%r) %s by %s",
        rule.pk,
        rule.name,
        what,
        actor_label(actor),
        extra={"workspace": rule.workspace_id},
    )


def escalation_rule_create(
    *, workspace: Workspace, actor: Actor | None, values: dict[str, Any]
) -> EscalationRule:
    """Add a rule from `values` (the fields of RULE_FIELDS; team and label as rows
    or ids of the workspace); without a position it goes last."""
    clean = escalation_rule_validate(workspace=workspace, values=values)
    with transaction.atomic():
        if "position" not in clean:
            last = (
                EscalationRule.objects.filter(workspace=workspace)
                .order_by("-position")
                .values_list("position", flat=True)
                .first()
            )
            clean["position"] = 0 if last is None else last + 1
        rule = EscalationRule(workspace=workspace, **clean)
        _audited_save(rule, actor, "created")
    return rule


def escalation_rule_update(
    *, rule: EscalationRule, actor: Actor | None, changes: dict[str, Any]
) -> EscalationRule:
    """Change the given fields of a rule (validated against the stored rule)."""
    clean = escalation_rule_validate(
        workspace=rule.workspace, values=changes, rule=rule
    )
    with transaction.atomic():
        rule = EscalationRule.objects.select_for_update().get(pk=rule.pk)
        for name, value in clean.items():
            setattr(rule, name, value)
        _audited_save(rule, actor, f"changed ({', '.join(sorted(clean)) or '-'})")
    return rule


def escalation_rule_delete(*, rule: EscalationRule, actor: Actor | None) -> None:
    """Delete a rule; tickets it decided keep their other fields."""
    pk, name = rule.pk, rule.name
    rule._history_user = actor_user(actor)
    rule._change_reason = "deleted"
    rule.delete()
    logger.info(
        "Escalation rule %s (%r) deleted by %s",
        pk,
        name,
        actor_label(actor),
        extra={"workspace": rule.workspace_id},
    )


def escalation_rules_reorder(
    *, workspace: Workspace, actor: Actor | None, order: list[int]
) -> None:
    """Put the workspace's rules in the order of `order` (rule ids, each rule
    once); only the rules whose place changes are saved (with their history)."""
    with transaction.atomic():
        rules = {
            rule.pk: rule
            for rule in EscalationRule.objects.select_for_update().filter(
                workspace=workspace
            )
        }
        if sorted(order) != sorted(rules):
            raise ValidationError(
                {"order": ["Give every rule of the workspace once, and no other."]}
            )
        for position, pk in enumerate(order):
            rule = rules[pk]
            if rule.position != position:
                rule.position = position
                _audited_save(rule, actor, f"moved to {position + 1}")
