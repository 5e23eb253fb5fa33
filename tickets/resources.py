"""django-import-export resource for tickets: the admin's export in CSV, XLSX, JSON...

Its columns are tickets.exports.exporter.COLUMNS, so the admin export, the streamed
CSV and the background export write the same file. Cells are escaped against formula
injection here as well as by IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (which covers
only some formats and leaves a value starting with an apostrophe ambiguous).

Imports do not go through this resource: tickets.exports.importing reads the same
columns and applies each row through tickets.services (events, history,
all-or-nothing).
"""

from import_export import fields, resources

from helpdesk.lib.csv import escape_cell
from tickets.exports.exporter import COLUMNS, export_rows
from tickets.models import Ticket


class TicketResource(resources.ModelResource):
    """Every useful column of a ticket, read-only (exports only)."""

    class Meta:
        model = Ticket
        fields = ()
        export_order = [column.name for column in COLUMNS]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for column in COLUMNS:
            field = fields.Field(column_name=column.name, readonly=True)
            field.attribute = None
            self.fields[column.name] = field

    def get_export_order(self):
        return tuple(column.name for column in COLUMNS)

    def export_field(self, field, instance, **kwargs):
        column = next(c for c in COLUMNS if c.name == field.column_name)
        return escape_cell(column.get(instance))

    def filter_export(self, queryset, **kwargs):
        # Rows rather than model instances: export_field reads COLUMNS off them.
        return export_rows(queryset)
