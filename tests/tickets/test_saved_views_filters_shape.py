"""A saved view's filters are what a query string can carry: text or a list of
texts. Anything else is refused naming the filter, and nothing is saved (the
schemathesis run found a number in `tags` answered 500)."""

import pytest
from django.core.exceptions import ValidationError

from tickets import services
from tickets.models import SavedView


@pytest.mark.django_db
@pytest.mark.parametrize("value", [6.2e282, {"nested": 1}, [["deep"]], None, [1.5]])
def test_a_filter_of_another_shape_is_refused(workspace, agent, value):
    membership = agent.memberships.get(workspace=workspace)
    with pytest.raises(ValidationError) as refused:
        services.saved_view_create(
            actor=membership, name="Odd", filters={"tags": value}
        )
    assert refused.value.message_dict == {
        "filters.tags": ["Give text or a list of texts."]
    }
    assert not SavedView.objects.exists()
