"""The fakes' new endpoints answer in the vendors' documented shapes (the example
payloads in tests/fakes/vendor/, with their sources), and the adapters read those
examples as the vendors mean them."""

import base64
import json
from pathlib import Path

import requests

from integrations.gorgias.adapter import _comment as gorgias_comment
from integrations.zendesk.adapter import _comment as zendesk_comment

VENDOR = Path(__file__).resolve().parents[1] / "fakes" / "vendor"
ZENDESK_AUTH = (
    "Basic " + base64.b64encode(b"agent@acme.test/token:zd-token-123456789").decode()
)
GORGIAS_AUTH = "Basic " + base64.b64encode(b"agent@acme.test:gg-key-123456789").decode()
KUSTOMER_AUTH = "Bearer ku-key-123456789"


def _example(name: str):
    data = json.loads((VENDOR / name).read_text())
    data.pop("_source")
    return data


def _missing(example, answer, where="") -> list[str]:
    """Keys of the vendor's example (nested, first item of lists) the fake lacks."""
    if isinstance(example, list):
        return _missing(example[0], answer[0], where + "[0]") if example else []
    if not isinstance(example, dict):
        return []
    found = []
    for key, value in example.items():
        if key not in answer:
            found.append(f"{where}.{key}")
        elif value:  # an empty or null example says nothing about its shape
            found += _missing(value, answer[key], f"{where}.{key}")
    return found


def test_zendesk_upload_and_comments_answer_in_the_documented_shape(zendesk):
    upload = requests.post(
        zendesk.url + "/uploads",
        params={"filename": "a.png"},
        data=b"\x89PNG....",
        headers={"Authorization": ZENDESK_AUTH, "Content-Type": "application/binary"},
        timeout=5,
    )
    assert upload.status_code == 201
    assert _missing(_example("zendesk/upload_created.json"), upload.json()) == []
    token = upload.json()["upload"]["token"]
    ticket = zendesk.add_ticket()
    zendesk.tickets[ticket["id"]]["requester_id"] = 503
    answer = requests.put(
        f"{zendesk.url}/tickets/{ticket['id']}",
        json={"ticket": {"comment": {"body": "Hi", "uploads": [token]}}},
        headers={"Authorization": ZENDESK_AUTH},
        timeout=5,
    )
    (event,) = answer.json()["audit"]["events"]
    page = requests.get(
        f"{zendesk.url}/tickets/{ticket['id']}/comments",
        params={"include": "users"},
        headers={"Authorization": ZENDESK_AUTH},
        timeout=5,
    ).json()
    assert _missing(_example("zendesk/ticket_comments_page.json"), page) == []
    assert [c["id"] for c in page["comments"]] == [event["id"]]
    # A used token is spent; an unknown parameter is refused, as Zendesk does.
    again = requests.put(
        f"{zendesk.url}/tickets/{ticket['id']}",
        json={"ticket": {"comment": {"body": "Hi", "uploads": [token]}}},
        headers={"Authorization": ZENDESK_AUTH},
        timeout=5,
    )
    assert again.status_code == 422
    bad = requests.get(
        f"{zendesk.url}/tickets/{ticket['id']}/comments",
        params={"per_page": 5},
        headers={"Authorization": ZENDESK_AUTH},
        timeout=5,
    )
    assert bad.status_code == 400


def test_gorgias_upload_answers_file_objects_and_wants_multipart(gorgias):
    sent = requests.post(
        gorgias.url + "/upload",
        files={"package-damaged.png": ("package-damaged.png", b"\x89PNG", "image/png")},
        headers={"Authorization": GORGIAS_AUTH},
        timeout=5,
    )
    assert sent.status_code == 201
    assert _missing(_example("gorgias/upload_files.json")["answer"], sent.json()) == []
    as_json = requests.post(
        gorgias.url + "/upload",
        json={"file": "x"},
        headers={"Authorization": GORGIAS_AUTH},
        timeout=5,
    )
    assert as_json.status_code == 400


def test_kustomer_attachment_record_and_its_form(kustomer):
    created = requests.post(
        kustomer.url + "/v1/attachments",
        json={"name": "a.png", "contentType": "image/png", "contentLength": 4},
        headers={"Authorization": KUSTOMER_AUTH},
        timeout=5,
    )
    assert created.status_code == 201
    assert _missing(_example("kustomer/attachment_created.json"), created.json()) == []
    form = created.json()["meta"]["upload"]
    wrong = requests.post(
        form["url"],
        data={**form["fields"], "key": "elsewhere"},
        files={"file": ("a.png", b"\x89PNG", "image/png")},
        timeout=5,
    )
    assert wrong.status_code == 403  # the policy's fields, unchanged
    right = requests.post(
        form["url"],
        data=form["fields"],
        files={"file": ("a.png", b"\x89PNG", "image/png")},
        timeout=5,
    )
    assert right.status_code == 204


def test_the_vendor_examples_read_as_comments():
    page = _example("zendesk/ticket_comments_page.json")
    author = page["users"][0]
    comment = zendesk_comment(page["comments"][0], author)
    assert (comment.remote_id, comment.body, comment.public) == (
        "1274",
        "Thanks for your help!",
        True,
    )
    assert (comment.author_email, comment.author_name) == (
        "johnny@example.com",
        "Johnny Agent",
    )
    assert [(f.name, f.size) for f in comment.files] == [("crash.log", 2532)]
    (file,) = _example("gorgias/upload_files.json")["answer"]
    message = {
        "id": 7,
        "channel": "internal-note",
        "public": False,
        "body_text": "Photo",
        "sender": {"email": "a@b.c", "name": "A"},
        "attachments": [file],
    }
    note = gorgias_comment(message)
    assert (note.public, note.files[0].size, note.files[0].url) == (
        False,
        784554,
        "https://gorgias.io/attachments/package-damaged.png",
    )
