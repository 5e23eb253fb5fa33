"""A list page's state in its query string: the filters as parameters, the chips that
remove them one value at a time, and the links that keep the rest. The tickets page
(`tickets.ui.listing.TicketQuery`) and the conversations inbox
(`tickets.ui.conversation_listing.ConversationQuery`) are both one of these over their
own FilterSet; a page names its URL, its chips and how a chip value reads.
"""

from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse

from helpdesk.models import Membership


class ListQuery:
    """Filters, chips and links of one list page, read from `params`."""

    url_name = ""  # the page's URL name; it takes the workspace slug
    # Filter parameters shown as chips, in chip order, with their chip names.
    chip_names: dict[str, str] = {}
    # Parameters that are state of the page (layout, paging), not filters.
    layout_params: tuple[str, ...] = ()

    def __init__(self, params: QueryDict, *, request, membership: Membership):
        self.params = params.copy()
        self.request = request
        self.membership = membership
        self._filterset = None

    # --- filtering (a page supplies make_filterset) ---

    def make_filterset(self):
        raise NotImplementedError

    def _main_filterset(self):
        if self._filterset is None:
            self._filterset = self.make_filterset()
        return self._filterset

    @property
    def errors(self) -> list[str]:
        filterset = self._main_filterset()
        if filterset.is_valid():
            return []
        return [
            f"{self.chip_names.get(name, name)}: {message}"
            for name, messages in filterset.errors.items()
            for message in messages
        ]

    # --- links ---

    @property
    def filter_params(self) -> list[tuple[str, str]]:
        return [
            (name, value)
            for name in self.params
            if name not in self.layout_params
            for value in self.params.getlist(name)
            if value != ""
        ]

    def kept_params(self, overrides: dict) -> list[tuple[str, str]]:
        """Page state carried by every link (the tickets page: its board layout)."""
        return []

    def querystring(self, **overrides) -> str:
        pairs = [
            (k, v)
            for k, v in self.filter_params
            if k not in overrides and k != "ordering"
        ]
        ordering = self.params.get("ordering")
        if ordering and "ordering" not in overrides:
            pairs.append(("ordering", ordering))
        for name, value in overrides.items():
            if value is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                pairs.append((name, item))
        pairs.extend(self.kept_params(overrides))
        return urlencode(pairs)

    @property
    def base_url(self) -> str:
        return reverse(self.url_name, args=[self.membership.workspace.slug])

    @property
    def current_url(self) -> str:
        return self.url()

    def url(self, **overrides) -> str:
        querystring = self.querystring(**overrides)
        return f"{self.base_url}?{querystring}" if querystring else self.base_url

    def url_without(self, name: str, value: str) -> str:
        remaining = [v for v in self.params.getlist(name) if v != value]
        return self.url(**{name: remaining or None})

    def clear_url(self) -> str:
        kept = urlencode(self.kept_params({}))
        return f"{self.base_url}?{kept}" if kept else self.base_url

    @property
    def query_only(self) -> str:
        """The filters alone, for forms that act on "all matching"."""
        return urlencode(self.filter_params)

    # --- reading parameters ---

    @property
    def selected(self) -> dict[str, list[str]]:
        """Every parameter's values, for ticking the popover's inputs."""
        return {name: self.params.getlist(name) for name in self.chip_names}

    def value(self, name: str) -> str:
        return self.params.get(name, "")

    def values(self, name: str) -> list[str]:
        return self.params.getlist(name)

    @property
    def search(self) -> str:
        return self.params.get("q", "")

    @property
    def ordering(self) -> str:
        return self.params.get("ordering", "")

    # --- chips ---

    def chip_value(self, name: str, value: str) -> str:
        """How a chip shows `value` of parameter `name` (names for ids)."""
        return value

    def chips(self) -> list[dict]:
        """One removable chip per active filter value, named for people."""
        return [
            {
                "name": self.chip_names[name],
                "value": self.chip_value(name, value),
                "url": self.url_without(name, value),
            }
            for name, value in self.filter_params
            if name in self.chip_names
        ]
