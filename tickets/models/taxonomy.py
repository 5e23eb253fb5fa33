"""Tags (free-form) and labels (a hierarchy: Billing > Refund)."""

from django.db import models
from django.db.models.functions import Lower

from helpdesk.models import Workspace


class Tag(models.Model):
    """A free-form tag, created on the fly the first time it is used."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="uniq_tag_per_workspace"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Label(models.Model):
    """A classification; with a parent it is a sublabel (Billing > Refund)."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="labels"
    )
    name = models.CharField(max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["parent__name", "name"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                "parent",
                Lower("name"),
                name="uniq_label_name_per_parent",
            ),
            models.UniqueConstraint(
                "workspace",
                Lower("name"),
                condition=models.Q(parent__isnull=True),
                name="uniq_root_label_name",
            ),
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        """`Billing > Refund`; reads parents already loaded by select_related."""
        names = []
        label: Label | None = self
        while label is not None:
            names.append(label.name)
            label = label.parent
        return " > ".join(reversed(names))
