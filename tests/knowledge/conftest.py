import pytest

from knowledge import services as kb
from knowledge.demo_corpus import CORPUS
from tickets import services


def article_body(steps: list[str]) -> str:
    return "How to fix it:\n\n" + "\n".join(
        f"{i}. {step}" for i, step in enumerate(steps, 1)
    )


@pytest.fixture
def labelled(workspace, manager):
    """The labelled corpus in `workspace`: {key: article}, [(ticket, key)]; the
    second ticket of each pair is resolved with a public reply."""
    articles, tickets = {}, []
    for key, (title, steps, cases) in CORPUS.items():
        articles[key] = kb.article_save(
            workspace=workspace,
            actor=manager,
            values={"title": title, "body": article_body(steps), "status": "published"},
        )
        for i, (subject, message) in enumerate(cases):
            ticket = services.ticket_create(
                workspace=workspace, actor=manager, subject=subject, content=message
            )
            if i == 1:
                services.comment_add(
                    ticket=ticket, actor=manager, body=steps[0], is_public=True
                )
                ticket = services.ticket_change_status(
                    ticket=ticket, to="resolved", actor=manager
                )
            tickets.append((ticket, key))
    return articles, tickets
