"""The Django admin of the ticket models. Importing the modules registers their
ModelAdmins, so Django's admin autodiscovery (which imports `tickets.admin`) finds
every one of them."""

from tickets.admin import (  # noqa: F401
    composer,
    conversations,
    labels,
    records,
    rules,
    tickets,
)
