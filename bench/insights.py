"""Bench figures of the AI Insights with the local provider: computing one ticket's
insights (search of articles and similar tickets among all the workspace's tickets,
the transcript, the stored row) and reading them back through the API.

The bench workspace gets the 30 demo articles (knowledge.demo_corpus) and 170 more
made from them, so the article search ranks 200 articles."""

import random

from django.db import connection

from bench.measure import Figure, time_calls
from knowledge import services
from knowledge.demo_corpus import CORPUS
from knowledge.models import Article
from tickets.models import Ticket

ARTICLES = 200
TARGET_MS = 150


def articles(workspace) -> None:
    """ARTICLES published articles in the bench workspace (made once)."""
    have = Article.objects.filter(workspace=workspace).count()
    topics = list(CORPUS.values())
    rows = []
    for n in range(have, ARTICLES):
        title, steps, _ = topics[n % len(topics)]
        body = "\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1))
        rows.append(
            Article(
                workspace=workspace,
                title=title if n < len(topics) else f"{title} ({n // len(topics)})",
                body=body,
                status=Article.Status.PUBLISHED,
            )
        )
    Article.objects.bulk_create(rows)


def sample_tickets(workspace, count: int, seed: int = 7) -> list[int]:
    """Ids of `count` tickets spread over the whole number range."""
    top = workspace.next_number - 1
    rng = random.Random(seed)
    numbers = rng.sample(range(1, top + 1), min(count, top))
    return list(
        Ticket.objects.filter(workspace=workspace, number__in=numbers).values_list(
            "pk", flat=True
        )
    )


def measure(bench) -> None:
    ws = bench.workspace
    articles(ws)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_article")
    ids = sample_tickets(ws, bench.repeat + 10)

    def compute(index):
        services.insight_refresh(ticket_id=ids[index % len(ids)])

    p50, p95, queries = time_calls(compute, bench.repeat)
    figure = Figure(
        "Insights of one ticket, local provider (compute and store)",
        p50,
        p95,
        queries,
        target=f"p50 ≤ {TARGET_MS} ms",
        goal=TARGET_MS,
        note=f"{ARTICLES} articles; similar tickets among all tickets",
    )
    figure.met = p50 <= TARGET_MS
    bench.figures.append(figure)
    number = Ticket.objects.get(pk=ids[0]).number
    bench.request(
        "API ticket insights (stored)",
        bench.api,
        f"{bench.base}/tickets/{number}/insights/",
        "SELECT data FROM knowledge_ticketinsight WHERE ticket_id = %s"
        " ORDER BY ticket_version DESC LIMIT 1",
        [ids[0]],
        30,
    )
