"""An insights provider for teams that run an OpenAI-compatible chat-completions
endpoint (`POST {base}/chat/completions`).

It computes the local insights first (articles and tickets are searched here, never
sent), then sends only this ticket's own data (subject, question, the customer's and
the AI's messages, tool names) and asks for JSON: what the customer wants and up to
three resolution steps. Any failure (timeout, non-2xx, a body that is not the API's
shape, content that is not the JSON asked for) raises, and `base.compute` falls back
to the local provider. Every text is stripped of markup before it is kept.
"""

import json

import requests
from django.conf import settings

from knowledge.insights.base import TicketContext, plain
from knowledge.insights.local import local_insights

SYSTEM = (
    "You help a support agent. Answer with a JSON object only: "
    '{"wants": "<what the customer wants, one or two sentences>", '
    '"steps": ["<a resolution step>", ...at most 3]}. Plain text, no HTML.'
)
MAX_MESSAGE = 2000


class ProviderError(Exception):
    """The endpoint did not answer with a usable completion."""


def ticket_prompt(context: TicketContext) -> str:
    ticket = context.ticket
    parts = [f"Subject: {ticket.subject}"]
    if ticket.question:
        parts.append(f"Question: {ticket.question}")
    parts += [f"Customer: {body[:MAX_MESSAGE]}" for body in context.customer]
    parts += [f"AI agent: {body[:MAX_MESSAGE]}" for body in context.ai_turns]
    parts += [f"AI tool call: {c['name']} ({c['status']})" for c in context.tool_calls]
    return "\n".join(parts)


def complete(prompt: str) -> dict:
    """The JSON object the model answered with; ProviderError otherwise."""
    response = requests.post(
        settings.INSIGHTS_OPENAI_BASE_URL.rstrip("/") + "/chat/completions",
        json={
            "model": settings.INSIGHTS_OPENAI_MODEL,
            "messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": prompt},
            ],
            "temperature": 0,
            "response_format": {"type": "json_object"},
        },
        headers={"Authorization": f"Bearer {settings.INSIGHTS_OPENAI_API_KEY}"},
        timeout=settings.INSIGHTS_OPENAI_TIMEOUT,
    )
    if response.status_code != 200:
        raise ProviderError(f"HTTP {response.status_code}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
        answer = json.loads(content)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ProviderError(f"not a chat completion with JSON content: {exc}") from None
    if not isinstance(answer, dict) or not isinstance(answer.get("steps", []), list):
        raise ProviderError("the content is not the JSON object asked for")
    return answer


def openai_insights(context: TicketContext) -> dict:
    answer = complete(ticket_prompt(context))
    insights = local_insights(context)
    wants = plain(answer.get("wants"), 300)
    if wants:
        insights["analysis"]["wants"] = wants
    model = plain(settings.INSIGHTS_OPENAI_MODEL, 100)
    steps = [
        {
            "id": f"m{i}",
            "text": plain(step, 400),
            "source": {"kind": "model", "label": model},
        }
        for i, step in enumerate(answer.get("steps", [])[:3])
        if plain(step, 400)
    ]
    insights["resolution"] = steps + insights["resolution"]
    return insights
