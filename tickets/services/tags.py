"""Tags (free-form, made on the fly) and labels (a hierarchy made from a path)."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from helpdesk.models import Workspace
from tickets.models import Label, Tag, Ticket
from tickets.services._common import MAX_TAG_LENGTH


def normalize_tag_names(names: Iterable[str]) -> list[str]:
    """Tag names as stored: lower case, inner whitespace collapsed, blanks and
    repeats dropped, first-seen order kept; ValidationError for a name over
    MAX_TAG_LENGTH characters or with a comma."""
    clean: list[str] = []
    for raw in names:
        name = " ".join(str(raw).split()).lower()
        if not name:
            continue
        if len(name) > MAX_TAG_LENGTH or "," in name:
            raise ValidationError(
                {
                    "tags": [
                        f"Tag {raw!r}: at most {MAX_TAG_LENGTH} characters, no commas."
                    ]
                }
            )
        if name not in clean:
            clean.append(name)
    return clean


def _tags_for(workspace: Workspace, names: list[str]) -> list[Tag]:
    """The workspace's tags with these names, creating the new ones."""
    existing = {
        t.name: t for t in Tag.objects.filter(workspace=workspace, name__in=names)
    }
    for name in names:
        if name not in existing:
            try:
                with transaction.atomic():
                    existing[name] = Tag.objects.create(workspace=workspace, name=name)
            except IntegrityError:  # made by a concurrent request
                existing[name] = Tag.objects.get(workspace=workspace, name=name)
    return [existing[name] for name in names]


def tags_diff(
    ticket: Ticket,
    *,
    wanted: Iterable[str] | None = None,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> tuple[list[str], list[str]]:
    """The tag names to add to and remove from the (locked) ticket: to reach the
    `wanted` set when it is given, else to add `add` and remove `remove` (a name in
    both is left alone). Names are normalised; nothing asked reads nothing."""
    add_names, remove_names = normalize_tag_names(add), normalize_tag_names(remove)
    if wanted is not None:
        add_names = normalize_tag_names(wanted)
    if wanted is None and not add_names and not remove_names:
        return [], []
    current = set(ticket.tags.values_list("name", flat=True))
    if wanted is not None:
        remove_names = sorted(current - set(add_names))
    added = [n for n in add_names if n not in current and n not in remove_names]
    removed = [n for n in remove_names if n in current]
    return added, removed


def tags_apply(ticket: Ticket, added: list[str], removed: list[str]) -> str:
    """Add and remove the ticket's tags (made on the fly): the history reason."""
    if added:
        ticket.tags.add(*_tags_for(ticket.workspace, added))
    if removed:
        ticket.tags.remove(
            *Tag.objects.filter(workspace=ticket.workspace, name__in=removed)
        )
    return "tags " + " ".join([*(f"+{n}" for n in added), *(f"-{n}" for n in removed)])


def label_get_or_create(*, workspace: Workspace, path: str) -> Label:
    """The label at `path` ("Billing > Refund"), creating missing levels."""
    names = [part.strip() for part in (path or "").split(">")]
    if not names or any(not name for name in names) or any(len(n) > 100 for n in names):
        raise ValidationError(
            {"label": [f"{path!r} is not a label path like 'Billing > Refund'."]}
        )
    parent = None
    for name in names:
        label = Label.objects.filter(
            workspace=workspace, parent=parent, name__iexact=name
        ).first()
        if label is None:
            try:
                with transaction.atomic():
                    label = Label.objects.create(
                        workspace=workspace, parent=parent, name=name
                    )
            except IntegrityError:
                label = Label.objects.get(
                    workspace=workspace, parent=parent, name__iexact=name
                )
        parent = label
    return parent
