"""The adapter for a connection's platform."""

from integrations.base import Adapter
from integrations.gorgias.adapter import GorgiasAdapter
from integrations.kustomer.adapter import KustomerAdapter
from integrations.models import Connection
from integrations.zendesk.adapter import ZendeskAdapter

ADAPTERS: dict[str, type[Adapter]] = {
    "zendesk": ZendeskAdapter,
    "gorgias": GorgiasAdapter,
    "kustomer": KustomerAdapter,
}


def adapter_for(connection: Connection) -> Adapter:
    return ADAPTERS[connection.platform](connection)
