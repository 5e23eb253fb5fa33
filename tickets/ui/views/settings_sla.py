"""Settings: SLA policies with their targets, and business-hours calendars with
their open hours and holidays (sla.services.config does the writes)."""

from datetime import time

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect

from helpdesk.models import Team
from sla.models import Calendar, SlaPolicy, SlaPolicyTarget
from sla.services.config import calendar_save, sla_policy_save
from tickets.models import Ticket
from tickets.ui.settings_forms import (
    CalendarForm,
    HolidayFormSet,
    IntervalFormSet,
    PolicyForm,
    TargetFormSet,
    add_service_errors,
)
from tickets.ui.views.settings_base import render_settings, settings_member

ACTION = "sla.manage"


def _rows(formset) -> list[dict]:
    """The filled rows of a valid formset, less those marked for deletion."""
    return [
        {k: v for k, v in row.items() if k != "DELETE"}
        for row in formset.cleaned_data
        if row and not row.get("DELETE")
    ]


# --- policies ---


def _policies(membership):
    return (
        SlaPolicy.objects.filter(workspace=membership.workspace)
        .select_related("calendar")
        .prefetch_related(
            Prefetch("targets", SlaPolicyTarget.objects.order_by("-priority", "metric"))
        )
        .order_by("position", "id")
    )


def _applies(conditions: dict, teams: dict[int, str]) -> list[str]:
    """A policy's conditions in words (priorities and teams by name)."""
    priorities = dict(Ticket.Priority.choices)
    names = {
        "priority": lambda v: priorities.get(v, str(v)),
        "team": lambda v: teams.get(v, "a deleted team"),
    }
    return [
        f"{key} {', '.join(names.get(key, str)(v) for v in values)}"
        for key, values in conditions.items()
    ] or ["every ticket"]


def _policy_rows(membership) -> list[SlaPolicy]:
    teams = dict(
        Team.objects.filter(workspace=membership.workspace).values_list("pk", "name")
    )
    rows = list(_policies(membership))
    for row in rows:
        row.applies = _applies(row.conditions or {}, teams)
    return rows


def _policy_initial(policy: SlaPolicy) -> tuple[dict, list[dict]]:
    conditions = policy.conditions or {}
    fields = {
        "name": policy.name,
        "position": policy.position,
        "is_active": policy.is_active,
        "internal_notes_fulfil": policy.internal_notes_fulfil,
        "calendar": policy.calendar_id,
        "priorities": conditions.get("priority", []),
        "teams": conditions.get("team", []),
        "channels": conditions.get("channel", []),
        "tag_names": conditions.get("tags", []),
    }
    targets = [
        {
            "priority": t.priority,
            "metric": t.metric,
            "minutes": t.minutes,
            "business_hours": t.business_hours,
            "warn_percent": t.warn_percent,
        }
        for t in policy.targets.all()
    ]
    return fields, targets


def _policy_page(request, membership, policy=None, form=None, targets=None, status=200):
    workspace = membership.workspace
    if form is None:
        initial, rows = _policy_initial(policy) if policy else ({}, [])
        form = PolicyForm(initial=initial, workspace=workspace)
        targets = TargetFormSet(initial=rows, prefix="targets")
    return render_settings(
        request,
        membership,
        "settings/policies.html",
        {
            "policies": _policy_rows(membership),
            "form": form,
            "targets": targets,
            "editing": policy,
        },
        status=status,
    )


def _policy_save(request, membership, policy):
    form = PolicyForm(request.POST, workspace=membership.workspace)
    targets = TargetFormSet(request.POST, prefix="targets")
    if form.is_valid() and targets.is_valid():
        try:
            sla_policy_save(
                workspace=membership.workspace,
                actor=request.user,
                values=form.cleaned_data,
                conditions=form.conditions(),
                targets=_rows(targets),
                policy=policy,
            )
            return redirect("settings:policies", membership.workspace.slug)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return _policy_page(request, membership, policy, form, targets, status=422)


@login_required
def policy_list(request, slug: str):
    """The policies in the order they are tried; POST adds one."""
    membership = settings_member(request, slug, ACTION)
    if request.method == "POST":
        return _policy_save(request, membership, None)
    return _policy_page(request, membership)


@login_required
def policy_edit(request, slug: str, pk: int):
    membership = settings_member(request, slug, ACTION)
    policy = _policies(membership).filter(pk=pk).first()
    if policy is None:
        raise Http404("No such policy.")
    if request.method == "POST":
        return _policy_save(request, membership, policy)
    return _policy_page(request, membership, policy)


# --- calendars ---


def _calendars(membership):
    return (
        Calendar.objects.filter(workspace=membership.workspace)
        .annotate(open_intervals=Count("intervals", distinct=True))
        .annotate(holiday_count=Count("holidays", distinct=True))
        .order_by("name")
    )


def _clock(minute: int) -> time:
    return time(minute // 60 % 24, minute % 60)


def _calendar_forms(calendar: Calendar | None):
    if calendar is None:
        return (
            CalendarForm(),
            IntervalFormSet(prefix="hours"),
            HolidayFormSet(prefix="holidays"),
        )
    hours = [
        {
            "weekday": i.weekday,
            "start": _clock(i.start_minute),
            "end": _clock(i.end_minute),
        }
        for i in calendar.intervals.all()
    ]
    days = [{"date": h.date, "name": h.name} for h in calendar.holidays.all()]
    fields = {name: getattr(calendar, name) for name in CalendarForm.base_fields}
    return (
        CalendarForm(initial=fields),
        IntervalFormSet(initial=hours, prefix="hours"),
        HolidayFormSet(initial=days, prefix="holidays"),
    )


def _calendar_page(request, membership, calendar=None, forms=None, status=200):
    form, hours, days = forms or _calendar_forms(calendar)
    return render_settings(
        request,
        membership,
        "settings/calendars.html",
        {
            "calendars": _calendars(membership),
            "form": form,
            "hours": hours,
            "days": days,
            "editing": calendar,
        },
        status=status,
    )


def _calendar_save(request, membership, calendar):
    form = CalendarForm(request.POST)
    hours = IntervalFormSet(request.POST, prefix="hours")
    days = HolidayFormSet(request.POST, prefix="holidays")
    if form.is_valid() and hours.is_valid() and days.is_valid():
        try:
            calendar_save(
                workspace=membership.workspace,
                actor=request.user,
                values=form.cleaned_data,
                intervals=[(r["weekday"], r["start"], r["end"]) for r in _rows(hours)],
                holidays=[(r["date"], r["name"]) for r in _rows(days)],
                calendar=calendar,
            )
            return redirect("settings:calendars", membership.workspace.slug)
        except ValidationError as exc:
            add_service_errors(form, exc)
    forms = (form, hours, days)
    return _calendar_page(request, membership, calendar, forms, status=422)


@login_required
def calendar_list(request, slug: str):
    membership = settings_member(request, slug, ACTION)
    if request.method == "POST":
        return _calendar_save(request, membership, None)
    return _calendar_page(request, membership)


@login_required
def calendar_edit(request, slug: str, pk: int):
    membership = settings_member(request, slug, ACTION)
    calendar = Calendar.objects.filter(workspace=membership.workspace, pk=pk).first()
    if calendar is None:
        raise Http404("No such calendar.")
    if request.method == "POST":
        return _calendar_save(request, membership, calendar)
    return _calendar_page(request, membership, calendar)
