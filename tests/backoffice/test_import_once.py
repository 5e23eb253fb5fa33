"""An import preview is confirmed exactly once, however many confirmations arrive
at the same moment (a double click, two tabs): the preview's row is locked and
claimed, and every later confirmation gets the first one's answer.

Planted bug, watched failing, reverted: without the row lock and the state check
(the preview kept in the session, as before), 2 confirms of a 1-row file made 2
tickets and 4 confirms of a 2-row file made 8.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import Client
from tests.figures import report
from tests.threads import run_together
from tickets.models import ImportPreview, Ticket

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/w/acme/reports/import/"


def _preview(manager, rows: int) -> tuple[Client, str]:
    client = Client()
    client.force_login(manager)
    lines = "subject,priority\n" + "".join(f"Row {n},High\n" for n in range(rows))
    upload = SimpleUploadedFile("tickets.csv", lines.encode())
    answer = client.post(URL, {"file": upload})
    assert answer.status_code == 200
    return client, answer.context["token"]


@pytest.mark.parametrize(("confirms", "rows"), [(2, 1), (4, 2)])
def test_simultaneous_confirms_import_the_file_once(manager, confirms, rows):
    client, token = _preview(manager, rows)
    session = client.cookies["sessionid"].value
    user = get_user_model().objects.get(pk=manager.pk)

    def confirm(_):
        one = Client()
        one.cookies["sessionid"] = session
        answer = one.post(URL, {"confirm": token})
        assert answer.wsgi_request.user == user
        return answer.status_code

    statuses = run_together(confirms, confirm)

    created = Ticket.objects.count()
    # One confirmation imported (200 with the result); the others waited on the
    # preview's row and were sent back with the first one's answer.
    assert sorted(statuses) == [200] + [302] * (confirms - 1)
    preview = ImportPreview.objects.get(token=token)
    assert preview.state == "done"
    assert preview.outcome == f"Imported: {rows} created, 0 updated, 0 unchanged."
    report(
        "I1",
        {"tickets_created": rows, "imports_run": 1},
        confirms=confirms,
        rows=rows,
        tickets_created=created,
        imports_run=statuses.count(200),
    )


def test_a_second_confirm_shows_the_first_ones_result(manager):
    client, token = _preview(manager, 1)
    client.post(URL, {"confirm": token})

    again = client.post(URL, {"confirm": token}, follow=True)

    assert Ticket.objects.count() == 1
    shown = [str(message) for message in again.context["messages"]]
    assert shown == ["Imported: 1 created, 0 updated, 0 unchanged."]
