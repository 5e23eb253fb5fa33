"""The ticket list's page as plain rows: the tickets and the names they show read
with values() in one query, then one query per related set (tags, SLA clocks, sync
links), and shaped as TicketSerializer shapes them, without model instances or
DRF's per-field machinery (which cost 30-40 ms for a page of 25 at 1M tickets).

TicketSerializer stays the one definition of the answer. The plan is read off its
fields: names, order, nesting, sources and output formats (DateTimeField and
UUIDField format through their own to_representation). A field that is not a
column is computed by the serializer's own code (its get_* method, the model's
property) on a bare instance holding the columns listed in READS, except the two
that read relations (label, tags), built in BUILT. A field the plan cannot read
is an error when the plan is built. tests/api/test_list_rows.py compares this
answer with the serializer's byte for byte.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cache, partialmethod
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Model, Prefetch, QuerySet
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.encoding import force_str
from rest_framework import fields as drf
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import ISO_8601, api_settings
from rest_framework.utils.encoders import JSONEncoder

from sla.serializers import SlaClockSerializer
from tickets.api import serializers as s
from tickets.models import Label, Ticket

# Fields whose to_representation gives a value read from the database unchanged.
AS_IS = (drf.CharField, drf.IntegerField, drf.BooleanField, drf.ChoiceField)

CLOCK_TIMES = ("due_at", "warn_at", "paused_at", "fulfilled_at", "breached_at")
# Fields computed by the serializer's code, and the columns that code reads.
READS: dict[tuple[type, str], tuple[str, ...]] = {
    (s.TicketSerializer, "ref"): ("number",),
    (s.TicketSerializer, "is_snoozed"): ("snoozed_until",),
    (s.UserBriefSerializer, "name"): ("username", "first_name", "last_name"),
    **{
        (SlaClockSerializer, name): CLOCK_TIMES
        for name in ("state", "state_label", "colour", "time_left_seconds")
    },
    (SlaClockSerializer, "is_paused"): ("paused_at", "fulfilled_at"),
}


@dataclass
class Page:
    """What the rows of one page share: the serializer context, the workspace,
    the related rows by ticket id, and per-page serializer instances."""

    context: dict
    tz: tzinfo = field(default_factory=timezone.get_current_timezone)
    related: dict[str, dict[int, list[dict]]] = field(default_factory=dict)
    paths: dict[int, str] = field(default_factory=dict)
    choices: dict = field(default_factory=dict)
    _serializers: dict[type, serializers.Serializer] = field(default_factory=dict)
    _bare: dict[int, tuple[dict, Model]] = field(default_factory=dict)

    def bare(self, model: type[Model], row: dict) -> Model:
        """An instance of `model` holding `row`'s columns, made without
        Model.__init__ (once per row): what a property or get_* method reads,
        and the workspace for a ticket's ref."""
        if id(row) in self._bare:
            return self._bare[id(row)][1]
        obj = model.__new__(model)
        obj.__dict__.update(row)
        obj._state = ModelState()
        obj._state.fields_cache["workspace"] = self.context["membership"].workspace
        self._bare[id(row)] = (row, obj)  # the row kept alive: its id stays its own
        return obj

    def serializer(self, cls: type) -> serializers.Serializer:
        """An instance of `cls` with this request's context, for its get_*
        methods (the clocks' "now" is taken once per page, as DRF does)."""
        if cls not in self._serializers:
            self._serializers[cls] = cls(context=self.context)
        return self._serializers[cls]


Getter = Callable[[dict, Page], Any]


def _label(row: dict, page: Page) -> dict | None:
    if row["label__id"] is None:
        return None
    return {"id": row["label__id"], "path": page.paths[row["label__id"]]}


def _tags(row: dict, page: Page) -> list[str]:
    return [tag["name"] for tag in page.related["tags"].get(row["id"], ())]


# Fields that read relations, built from the rows: their columns and related sets.
BUILT: dict[tuple[type, str], tuple[tuple[str, ...], dict, Getter]] = {
    (s.TicketSerializer, "label"): (
        ("label__id", "label__name", "label__parent__name", "label__parent__parent"),
        {},
        _label,
    ),
    (s.TicketSerializer, "tags"): ((), {"tags": ("name",)}, _tags),
}


@dataclass
class Plan:
    """How one serializer's objects are built from values() rows of `model`."""

    model: type[Model]
    columns: list[str]
    steps: list[tuple[str, Getter]]
    related: dict[str, tuple[str, ...] | Plan]

    def build(self, row: dict, page: Page) -> dict:
        return {name: get(row, page) for name, get in self.steps}


def _leaf(f: drf.Field) -> Callable[[Any, Page], Any]:
    """How a value read from the database becomes what `f` answers."""
    if isinstance(f, AS_IS):
        return lambda value, page: value
    if (
        isinstance(f, drf.DateTimeField)
        and getattr(f, "format", api_settings.DATETIME_FORMAT) == ISO_8601
        and not hasattr(f, "timezone")
        and settings.USE_TZ
    ):
        return _iso_datetime
    return lambda value, page: None if value is None else f.to_representation(value)


def _iso_datetime(value: datetime | None, page: Page) -> str | None:
    """DateTimeField.to_representation of an aware datetime in ISO 8601, with the
    current time zone looked up once a page rather than once a value."""
    if value is None:
        return None
    text = value.astimezone(page.tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _computed(serializer, name: str, f: drf.Field, model) -> Getter:
    """The serializer's own code for `name` on a bare instance of the row."""
    if isinstance(f, serializers.SerializerMethodField):
        method = getattr(type(serializer), f.method_name)
        return lambda row, page: method(
            page.serializer(type(serializer)), page.bare(model, row)
        )
    to_json, attrs = _leaf(f), f.source_attrs

    def get(row: dict, page: Page):
        # DRF's get_attribute without its per-call signature check: a source
        # that is a method (get_status_display) is called.
        value = page.bare(model, row)
        for attr in attrs:
            value = getattr(value, attr)
            value = value() if callable(value) else value
        return to_json(value, page)

    return get


def _display(model: type[Model], source_attrs: list[str]):
    """The field of a `get_<field>_display` source that Django made (the model
    does not define its own), else None."""
    if len(source_attrs) != 1:
        return None
    name = source_attrs[0]
    made = isinstance(inspect.getattr_static(model, name, None), partialmethod)
    if not (made and name.startswith("get_") and name.endswith("_display")):
        return None
    return model._meta.get_field(name.removeprefix("get_").removesuffix("_display"))


def _label_of(choice_field) -> Callable[[Any, Page], Any]:
    """Model._get_FIELD_display with the choices flattened once a page (Django
    flattens them on every call)."""

    def label(value, page: Page):
        choices = page.choices.get(choice_field)
        if choices is None:
            choices = page.choices[choice_field] = dict(choice_field.flatchoices)
        return force_str(choices.get(value, value), strings_only=True)

    return label


def _read(column: str, to_json: Callable[[Any, Page], Any]) -> Getter:
    return lambda row, page: to_json(row[column], page)


def _column(model: type[Model], source_attrs: list[str]) -> str | None:
    """The values() column of a plain field (`pk`, `name`, `policy.name`), or None
    when the source is not a column (a property, a method)."""
    if not source_attrs:  # source="*": the whole object (a method field)
        return None
    names, current = [], model
    for attr in source_attrs:
        try:
            column = current._meta.get_field(
                current._meta.pk.name if attr == "pk" else attr
            )
        except FieldDoesNotExist:
            return None
        names.append(column.name)
        if column.is_relation and attr != source_attrs[-1]:
            current = column.related_model
        elif column.is_relation or attr != source_attrs[-1]:
            return None
    return "__".join(names)


def _declared(cls: type, name: str) -> tuple[type, str]:
    """The key of READS or BUILT for field `name`: the serializer class, or the
    nearest base, that lists it (a subclass inherits what its base declares)."""
    for base in cls.__mro__:
        if (base, name) in READS or (base, name) in BUILT:
            return (base, name)
    return (cls, name)


def compile_plan(serializer: serializers.Serializer, model: type[Model]) -> Plan:
    """The plan of `serializer` (its fields in order) over rows of `model`."""
    plan = Plan(model, [model._meta.pk.name], [], {})
    for name, f in serializer.fields.items():
        key = _declared(type(serializer), name)
        if key in BUILT:
            columns, related, getter = BUILT[key]
            plan.columns += columns
            plan.related.update(related)
            plan.steps.append((name, getter))
        elif isinstance(f, serializers.ListSerializer):
            plan.steps.append((name, _many(plan, f)))
        elif isinstance(f, serializers.BaseSerializer):
            plan.steps.append((name, _nested(plan, f)))
        elif key in READS:
            plan.columns += READS[key]
            plan.steps.append((name, _computed(serializer, name, f, model)))
        elif (display := _display(model, f.source_attrs)) is not None:
            plan.columns.append(display.name)
            plan.steps.append((name, _read(display.name, _label_of(display))))
        elif (column := _column(model, f.source_attrs)) is not None:
            plan.columns.append(column)
            plan.steps.append((name, _read(column, _leaf(f))))
        else:
            raise ImproperlyConfigured(
                f"{type(serializer).__name__}.{name} ({f.source}) is neither a "
                "column nor listed in tickets.api.rows.READS or BUILT."
            )
    plan.columns = list(dict.fromkeys(plan.columns))
    return plan


def _nested(plan: Plan, f: serializers.BaseSerializer) -> Getter:
    """A nested object through a foreign key: its columns prefixed, None when the
    key is."""
    key = plan.model._meta.get_field(f.source)
    child = compile_plan(f, key.related_model)
    prefix = f"{f.source}__"
    columns = {prefix + c: c for c in child.columns}
    plan.columns += [key.attname, *columns]
    attname = key.attname

    def get(row: dict, page: Page):
        if row[attname] is None:
            return None
        return child.build({c: row[p] for p, c in columns.items()}, page)

    return get


def _many(plan: Plan, f: serializers.ListSerializer) -> Getter:
    """A related set (clocks, links): its rows read in one query for the page."""
    source = f.source
    child = compile_plan(f.child, plan.model._meta.get_field(source).related_model)
    plan.related[source] = child
    return lambda row, page: [
        child.build(r, page) for r in page.related[source].get(row["id"], ())
    ]


@cache
def ticket_plan() -> Plan:
    return compile_plan(s.TicketSerializer(), Ticket)


def page_values(queryset: QuerySet[Ticket], cursor_field: str) -> QuerySet:
    """The list's queryset as values() rows with the columns of the plan (and the
    field the cursor reads)."""
    columns = ticket_plan().columns
    extra = [] if cursor_field in columns else [cursor_field]
    return queryset.prefetch_related(None).values(*columns, *extra)


def ticket_rows(rows: list[dict], list_queryset: QuerySet, context: dict) -> list:
    """The page's rows as TicketSerializer(many=True) answers them: the related
    sets read as `list_queryset` prefetches them (their order and joins)."""
    plan, page = ticket_plan(), Page(context)
    ids = [row["id"] for row in rows]
    lookups = {
        (p.prefetch_to if isinstance(p, Prefetch) else p): p
        for p in list_queryset._prefetch_related_lookups
    }
    for source, child in plan.related.items():
        page.related[source] = _related_rows(source, child, lookups.get(source), ids)
    page.paths = _label_paths(rows)
    return [plan.build(row, page) for row in rows]


def _related_rows(source: str, child, lookup, ids: list[int]) -> dict:
    relation = Ticket._meta.get_field(source)
    if relation.many_to_many:
        back = relation.related_query_name()
        key = back
    else:
        back, key = relation.field.name, relation.field.attname
    queryset = (
        lookup.queryset
        if isinstance(lookup, Prefetch) and lookup.queryset is not None
        else relation.related_model._default_manager.all()
    )
    columns = child.columns if isinstance(child, Plan) else child
    found = defaultdict(list)
    for row in queryset.filter(**{f"{back}__in": ids}).values(key, *columns):
        found[row.pop(key)].append(row)
    return found


def _label_paths(rows: list[dict]) -> dict[int, str]:
    """Each label's Label.path, from the joined names of it and its parent; a
    label three or more levels deep (rare) is read whole."""
    paths, deep = {}, []
    for row in rows:
        if row["label__id"] is None:
            continue
        if row["label__parent__parent"] is not None:
            deep.append(row["label__id"])
            continue
        parent_name = row["label__parent__name"]
        parent = Label(name=parent_name) if parent_name is not None else None
        paths[row["label__id"]] = Label(name=row["label__name"], parent=parent).path
    for label in Label.objects.filter(pk__in=deep):
        paths[label.pk] = label.path
    return paths


class RowsJSONRenderer(JSONRenderer):
    """JSONRenderer's bytes written by orjson, several times faster: compact,
    UTF-8, U+2028 and U+2029 escaped as DRF escapes them, and what orjson does not
    know (lazy strings, decimals, datetimes left unformatted) handed to DRF's own
    encoder. An indented answer (`Accept: ...; indent=2`) is DRF's."""

    _encoder = JSONEncoder()

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None or self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        content = orjson.dumps(
            data,
            default=self._encoder.default,
            option=orjson.OPT_PASSTHROUGH_DATETIME,
        )
        return content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
            b"\xe2\x80\xa9", b"\\u2029"
        )
