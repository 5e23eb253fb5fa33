"""The value maps' logic and the registry's look-ups. The maps under test are
written here; the vendors' values (statuses, priorities, base URLs) come from their
API documentation: Zendesk statuses new/open/pending/hold/solved/closed and
priorities low/normal/high/urgent, Gorgias open/closed and low/normal/high/critical,
Kustomer open/snoozed/done and priority 1-5."""

import pytest

from integrations import registry
from integrations.registry import EndpointLimit, ValueMap

STATUS = ValueMap(
    to_remote={"open": "open", "in_progress": "open", "resolved": "Solved"},
    from_remote={"open": "open", "solved": "resolved", "pending": "waiting"},
)
PRIORITY = ValueMap(
    to_remote={1: "low", 2: "low", 3: "normal"}, from_remote={"low": 2, "normal": 3}
)


@pytest.mark.parametrize("remote", ["open", "OPEN", " Open", "open\t", " OPEN "])
def test_remote_values_are_read_case_and_space_insensitively(remote):
    assert STATUS.ours(remote) == "open"


def test_a_marker_wins_when_it_maps_to_the_remote_value():
    assert STATUS.ours("open", marker="in_progress") == "in_progress"
    assert STATUS.ours(" OPEN", marker="in_progress") == "in_progress"
    # The map's own value is folded too: "Solved" matches "solved".
    assert STATUS.ours("solved", marker="resolved") == "resolved"


def test_a_marker_that_maps_elsewhere_or_is_unknown_is_ignored():
    assert STATUS.ours("solved", marker="in_progress") == "resolved"
    assert STATUS.ours("open", marker="no_such_status") == "open"
    assert STATUS.ours("pending", marker="open") == "waiting"


def test_an_unknown_remote_value_is_none():
    assert STATUS.ours("hold") is None
    assert STATUS.ours(None) is None
    assert STATUS.ours("hold", marker="in_progress") is None


def test_priorities_use_the_marker_when_it_maps_and_pass_numbers_through():
    assert PRIORITY.ours("LOW", marker=1) == 1
    assert PRIORITY.ours("low", marker=3) == 2
    assert PRIORITY.ours("low") == 2
    identity = ValueMap({p: p for p in range(1, 6)}, {p: p for p in range(1, 6)})
    assert identity.ours(4) == 4
    assert identity.ours(4, marker=4) == 4


def test_remote_is_the_platform_value_and_unknown_values_fail_loudly():
    assert STATUS.remote("in_progress") == "open"
    with pytest.raises(KeyError):
        STATUS.remote("archived")


def test_an_endpoint_limit_applies_to_its_prefixes_whatever_the_method_case():
    limit = EndpointLimit("exports", 10, 60, ("GET /incremental/", "PUT /tickets/"))
    assert limit.applies("get", "/incremental/tickets/cursor.json")
    assert limit.applies("PUT", "/tickets/12")
    assert not limit.applies("POST", "/incremental/tickets/cursor.json")
    assert not limit.applies("GET", "/tickets/12")
    assert not EndpointLimit("none", 1, 1).applies("GET", "/")


def test_base_urls_follow_the_vendor_documentation():
    assert (
        registry.get("zendesk").default_base_url("acme")
        == "https://acme.zendesk.com/api/v2"
    )
    assert (
        registry.get("gorgias").default_base_url("acme")
        == "https://acme.gorgias.com/api"
    )
    assert (
        registry.get("kustomer").default_base_url("acme")
        == "https://acme.api.kustomerapp.com"
    )


def test_the_registry_is_read_from_the_platform_folders(monkeypatch):
    # An empty cache: platforms() reads the folders again (restored afterwards).
    monkeypatch.setattr(registry, "_platforms", {})
    assert list(registry.platforms()) == ["gorgias", "kustomer", "zendesk"]
    assert registry.choices() == [
        ("gorgias", "Gorgias"),
        ("kustomer", "Kustomer"),
        ("zendesk", "Zendesk"),
    ]
    # Zendesk's triggers e-mail a public API comment to the requester; Gorgias and
    # Kustomer only record it.
    assert registry.delivering_platforms() == {"zendesk"}
    assert registry.get("kustomer").adapter_class.__name__ == "KustomerAdapter"
    with pytest.raises(KeyError):
        registry.get("freshdesk")
