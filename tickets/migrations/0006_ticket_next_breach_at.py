"""Ticket.next_breach_at: the stored "Next SLA breach" order, filled from the clocks
of the tickets there are (one UPDATE)."""

import datetime

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

NO_BREACH = datetime.datetime(9999, 12, 31, tzinfo=datetime.UTC)


def fill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    SlaTarget = apps.get_model("sla", "SlaTarget")
    earliest = (
        SlaTarget.objects.filter(
            ticket=OuterRef("pk"), fulfilled_at__isnull=True, paused_at__isnull=True
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    Ticket.objects.update(
        next_breach_at=Coalesce(Subquery(earliest), Value(NO_BREACH))
    )


class Migration(migrations.Migration):

    dependencies = [
        ('helpdesk', '0004_notification'),
        ('tickets', '0005_ticket_status_index_newest_first'),
        ('sla', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='ticket',
            name='next_breach_at',
            field=models.DateTimeField(
                db_default=NO_BREACH, default=NO_BREACH, editable=False
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['workspace', 'next_breach_at', 'id'], name='ticket_ws_next_breach'),
        ),
    ]
