"""Idempotency-Key on a creating POST, driven through `idempotent` with a real
request and the real key table. Expected values are written here from the draft
standard (draft-ietf-httpapi-idempotency-key-header: a printable ASCII key; the
same key and request get the first answer again, another request is refused)."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from helpdesk.lib.errors import IdempotencyKeyReused
from helpdesk.lib.idempotency import idempotent, request_fingerprint
from helpdesk.models import IdempotencyKey
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _request(user, data, key=None, path="/api/v1/things/", method="post"):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    raw = getattr(APIRequestFactory(), method)(path, data, format="json", **headers)
    force_authenticate(raw, user=user)
    request = Request(raw, parsers=[JSONParser()])
    request.user = user
    return request


class Create:
    """A create() that counts its calls and answers `status` with a new id."""

    def __init__(self, status=201):
        self.calls, self.status = 0, status

    def __call__(self):
        self.calls += 1
        return Response({"id": self.calls}, status=self.status)


def test_the_fingerprint_is_sha256_of_method_path_and_canonical_json(agent):
    request = _request(agent, {"b": [1, 2], "a": "é"})
    canonical = 'POST /api/v1/things/\n{"a":"\\u00e9","b":[1,2]}'
    assert (
        request_fingerprint(request) == hashlib.sha256(canonical.encode()).hexdigest()
    )


def test_no_key_runs_every_time(workspace, agent):
    create = Create()
    for key in (None, "", "   "):
        idempotent(_request(agent, {"x": 1}, key), workspace=workspace, create=create)
    assert create.calls == 3
    assert IdempotencyKey.objects.count() == 0


def test_the_same_key_and_body_replay_the_first_answer(workspace, agent):
    create = Create()
    first = idempotent(
        _request(agent, {"x": 1}, "k1"), workspace=workspace, create=create
    )
    stored = IdempotencyKey.objects.get()
    assert (stored.key, stored.response_status, stored.response_body) == (
        "k1",
        201,
        {"id": 1},
    )
    assert (stored.user, stored.workspace) == (agent, workspace)
    # The key is read without surrounding spaces; key order in the body is irrelevant.
    again = idempotent(
        _request(agent, {"x": 1}, " k1 "), workspace=workspace, create=create
    )
    assert create.calls == 1
    assert (first.status_code, first.data) == (201, {"id": 1})
    assert (again.status_code, again.data) == (201, {"id": 1})
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")


def test_the_same_key_with_another_body_or_path_is_refused(workspace, agent):
    create = Create()
    idempotent(_request(agent, {"x": 1}, "k2"), workspace=workspace, create=create)
    with pytest.raises(IdempotencyKeyReused):
        idempotent(_request(agent, {"x": 2}, "k2"), workspace=workspace, create=create)
    with pytest.raises(IdempotencyKeyReused):
        idempotent(
            _request(agent, {"x": 1}, "k2", path="/api/v1/other/"),
            workspace=workspace,
            create=create,
        )
    assert create.calls == 1


def test_keys_are_per_user_and_per_workspace(workspace, other_workspace, agent):
    create = Create()
    other_user = MembershipFactory(workspace=workspace).user
    idempotent(_request(agent, {"x": 1}, "k3"), workspace=workspace, create=create)
    idempotent(_request(other_user, {"x": 1}, "k3"), workspace=workspace, create=create)
    idempotent(
        _request(agent, {"x": 1}, "k3"), workspace=other_workspace, create=create
    )
    idempotent(_request(agent, {"x": 9}, "k3b"), workspace=workspace, create=create)
    assert create.calls == 4
    assert IdempotencyKey.objects.filter(key="k3").count() == 3
    # Each replay finds its own row among the others sharing a user, key or place.
    replays = [
        (agent, workspace, "k3", {"x": 1}, {"id": 1}),
        (other_user, workspace, "k3", {"x": 1}, {"id": 2}),
        (agent, other_workspace, "k3", {"x": 1}, {"id": 3}),
        (agent, workspace, "k3b", {"x": 9}, {"id": 4}),
    ]
    for user, place, key, body, answer in replays:
        again = idempotent(_request(user, body, key), workspace=place, create=create)
        assert (again["Idempotent-Replayed"], again.data) == ("true", answer)
    assert create.calls == 4


def test_an_upload_is_fingerprinted_by_its_name_and_content(workspace, agent):
    """A multipart create (a comment with files) carries objects JSON cannot
    encode and may repeat a key: every value and each file's content count."""

    def fingerprint(*files):
        raw = APIRequestFactory().post(
            "/api/v1/things/",
            {"body": "hi", "files": [SimpleUploadedFile(n, c) for n, c in files]},
            format="multipart",
        )
        return request_fingerprint(Request(raw, parsers=[MultiPartParser()]))

    data_sha = hashlib.sha256(b"data").hexdigest()
    canonical = 'POST /api/v1/things/\n{"body":["hi"],"files":["report.txt:' + data_sha
    canonical += '"]}'
    one = fingerprint(("report.txt", b"data"))
    assert one == hashlib.sha256(canonical.encode()).hexdigest()
    # Same name, other content; a second file before the same last one.
    assert fingerprint(("report.txt", b"other")) != one
    assert fingerprint(("a.txt", b"x"), ("report.txt", b"data")) != one


@pytest.mark.parametrize("status", [400, 409, 500])
def test_an_error_answer_is_not_kept_so_the_key_can_be_used_again(
    workspace, agent, status
):
    failing = Create(status=status)
    answer = idempotent(
        _request(agent, {"x": 1}, "k4"), workspace=workspace, create=failing
    )
    assert answer.status_code == status
    assert IdempotencyKey.objects.count() == 0
    create = Create()
    retried = idempotent(
        _request(agent, {"x": 1}, "k4"), workspace=workspace, create=create
    )
    assert (retried.status_code, create.calls) == (201, 1)


def test_a_success_just_under_400_is_kept(workspace, agent):
    create = Create(status=399)
    idempotent(_request(agent, {"x": 1}, "k5"), workspace=workspace, create=create)
    assert IdempotencyKey.objects.get().response_status == 399


@pytest.mark.parametrize("key", ["x" * 255, "~!key 1", "A"])
def test_printable_ascii_keys_up_to_255_characters_are_accepted(workspace, agent, key):
    create = Create()
    idempotent(_request(agent, {}, key), workspace=workspace, create=create)
    assert IdempotencyKey.objects.get().key == key


@pytest.mark.parametrize("key", ["x" * 256, "caf\u00e9", "tab\there", "nul\x00"])
def test_other_keys_are_a_400_naming_the_header(workspace, agent, key):
    create = Create()
    with pytest.raises(ValidationError) as error:
        idempotent(_request(agent, {}, key), workspace=workspace, create=create)
    assert error.value.detail == {
        "Idempotency-Key": ["At most 255 printable ASCII characters."]
    }
    assert create.calls == 0
