"""Articles: the API (managers write, agents and the AI chat agent's token read
published ones), the pages (editor with preview), history and search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from knowledge import services as kb
from knowledge.models import Article
from tests.factories import LabelFactory

pytestmark = pytest.mark.django_db

API = "/api/v1/workspaces/acme/articles/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def make(workspace, title, status="published", body="1. Do it."):
    return kb.article_save(
        workspace=workspace,
        actor=None,
        values={"title": title, "body": body, "status": status},
    )


def test_a_manager_creates_and_edits_an_article_with_history(manager, workspace):
    label = LabelFactory(workspace=workspace, name="Billing")
    response = api(manager).post(
        API,
        {
            "title": "Refunds",
            "body": "1. Refund.",
            "tags": ["Money ", "money"],
            "label": label.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["tags"], body["status"], body["author"]) == (
        ["money"],
        "draft",
        "manager",
    )
    response = api(manager).patch(
        f"{API}{body['id']}/", {"status": "published"}, format="json"
    )
    assert response.status_code == 200
    article = Article.objects.get()
    assert [h.status for h in article.history.order_by("history_id")] == [
        "draft",
        "published",
    ]
    assert article.history.first().history_user.username == "manager"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": "x"}, "title"),
        ({"title": "x" * 201, "body": "x"}, "title"),
        ({"title": "x", "body": "x", "status": "live"}, "status"),
        ({"title": "x", "body": "x", "tags": "not-a-list"}, "tags"),
        ({"title": "x", "body": "x", "label": 999999}, "label"),
        ({"title": "x\u0000", "body": "x"}, "title"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager, payload, field):
    response = api(manager).post(API, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Article.objects.exists()


def test_another_workspaces_label_is_refused(manager, other_workspace):
    theirs = LabelFactory(workspace=other_workspace)
    response = api(manager).post(
        API, {"title": "x", "body": "x", "label": theirs.pk}, format="json"
    )
    assert response.status_code == 400 and "label" in response.json()["errors"]


def test_agents_read_published_articles_only_and_may_not_write(agent, workspace):
    make(workspace, "Published one")
    draft = make(workspace, "Draft one", status="draft")
    client = api(agent)
    titles = [a["title"] for a in client.get(API).json()["results"]]
    assert titles == ["Published one"]
    assert client.get(f"{API}{draft.pk}/").status_code == 404
    assert (
        client.post(API, {"title": "x", "body": "x"}, format="json").status_code == 403
    )


def test_the_ai_agent_searches_published_articles_with_its_token(
    workspace, other_workspace
):
    from tests.factories import MembershipFactory

    bot = MembershipFactory(workspace=workspace, role="agent").user
    token = Token.objects.create(user=bot)
    make(workspace, "Resetting a forgotten password", body="Use the reset link.")
    make(workspace, "Password policy draft", status="draft")
    make(other_workspace, "Resetting a password elsewhere")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get(API + "published/", {"q": "password reset"})
    assert response.status_code == 200
    titles = [a["title"] for a in response.json()["results"]]
    assert titles == ["Resetting a forgotten password"]
    assert client.get(API + "published/", {"q": "x" * 201}).status_code == 400
    other = "/api/v1/workspaces/globex/articles/published/"
    assert client.get(other).status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_the_list_costs_the_same_for_one_or_many_articles(manager, workspace, count):
    label = LabelFactory(workspace=workspace)
    for n in range(count):
        article = make(workspace, f"Article {n}")
        Article.objects.filter(pk=article.pk).update(label=label)
    client = api(manager)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(API)
    assert len(response.json()["results"]) == count
    # membership, the page of articles with author and label
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]


def test_search_ranks_the_title_match_first(manager, workspace):
    make(workspace, "Shipping times", body="Parcels ship in two days. Refund rules.")
    make(workspace, "Refunds for annual plans", body="Annual plans are refunded.")
    titles = [
        a["title"] for a in api(manager).get(API, {"q": "refund"}).json()["results"]
    ]
    if connection.vendor == "postgresql":
        assert titles == ["Refunds for annual plans", "Shipping times"]
    else:
        assert sorted(titles) == ["Refunds for annual plans", "Shipping times"]


def test_the_editor_saves_previews_and_refuses_bad_input(client, manager, workspace):
    client.force_login(manager)
    response = client.post(
        "/w/acme/articles/new/",
        {
            "title": "Refunds",
            "body": "1. **Refund**",
            "tags": "a, b",
            "status": "published",
        },
    )
    article = Article.objects.get()
    assert (
        response.status_code == 302
        and response.url == f"/w/acme/articles/{article.pk}/"
    )
    assert article.tags == ["a", "b"]
    page = client.get(response.url).content.decode()
    assert "<strong>Refund</strong>" in page
    assert Article.objects.get().view_count == 1
    preview = client.post(
        "/w/acme/articles/preview/", {"body": "<script>x</script>**b**"}
    )
    assert preview.content.decode().strip() == "<p><strong>b</strong></p>"
    response = client.post(
        f"/w/acme/articles/{article.pk}/edit/",
        {"title": "", "body": "x", "status": "nope"},
    )
    assert response.status_code == 422
    assert (
        "Title" in response.content.decode() and "Status" in response.content.decode()
    )
    assert Article.objects.get().title == "Refunds"


def test_agents_read_but_do_not_edit_and_drafts_are_hidden(client, agent, workspace):
    draft = make(workspace, "Secret draft", status="draft")
    make(workspace, "Open article")
    client.force_login(agent)
    page = client.get("/w/acme/articles/").content.decode()
    assert "Open article" in page and "Secret draft" not in page
    assert client.get(f"/w/acme/articles/{draft.pk}/").status_code == 404
    assert client.get("/w/acme/articles/new/").status_code == 404
