"""Ticket summaries: a pluggable summariser chosen by dotted path in settings.

`settings.HELPDESK_SUMMARISER` names a callable `(transcript, *, question="",
reason="") -> str`, where `transcript` is a list of `Line`. The default,
`tickets.intake.summaries.local_summary`, runs in-process with no network: it is
deterministic, puts the customer's problem first and stays within 280 characters.
The ticket's `summary_by` records the dotted path of the summariser that wrote it.
"""

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

MAX_SUMMARY = 280


@dataclass(frozen=True)
class Line:
    """One transcript message as the summariser sees it."""

    author_kind: str  # contact, ai, agent or system
    body: str


@dataclass(frozen=True)
class Summary:
    text: str
    by: str


Summariser = Callable[..., str]

# Sentences that carry no problem: greetings, thanks, yes/no.
_FILLER = re.compile(
    r"^(hi|hello|hey|hiya|good (morning|afternoon|evening)|thanks?( you)?( so much)?"
    r"|thank you|ok(ay)?|yes|yeah|yep|no|nope|sure|great|cool|bye|goodbye|cheers"
    r"|please|ping|anyone there)\b[\s!.,?]*(there|team|again|all)?[\s!.,?]*$",
    re.IGNORECASE,
)
# Sentences that carry specifics worth keeping: numbers, codes, quoted errors, or
# problem words.
_SPECIFIC = re.compile(
    r"\d|\"|'[^']+'|\b(error|fail\w*|broken|crash\w*|refund\w*|charg\w*|locked"
    r"|cannot|can't|won't|doesn't|didn't|not working|lost|missing|wrong|twice"
    r"|deleted?|cancel\w*|expired?|invalid|blank|stuck)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_GREETING_PREFIX = re.compile(
    r"^(hi|hello|hey|hiya)( there| team| all)?[,!.\s-]+", re.IGNORECASE
)


def _sentences(text: str) -> list[str]:
    out = []
    for raw in _SENTENCE.split(text or ""):
        sentence = " ".join(raw.split())
        sentence = _GREETING_PREFIX.sub("", sentence).strip()
        if sentence and not _FILLER.match(sentence):
            out.append(sentence[0].upper() + sentence[1:])
    return out


def _end(sentence: str) -> str:
    return sentence if sentence[-1] in ".!?" else sentence + "."


def clip(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-") + "…"


def local_summary(
    transcript: Iterable[Line], *, question: str = "", reason: str = ""
) -> str:
    """A deterministic, local summary: the customer's problem, the details they gave,
    then what the AI answered and why it was escalated, within 280 characters.

    The problem is the customer's first substantive sentence (greetings and thanks
    are skipped; the escalated question is used when the customer said nothing).
    Later customer sentences are kept only when they carry specifics (numbers,
    error words, quoted text) and are more than a short reply. The AI part is the
    first sentence of its last turn.
    """
    lines = list(transcript)
    customer = [
        s
        for line in lines
        if line.author_kind == "contact"
        for s in _sentences(line.body)
    ]
    if not customer:
        customer = _sentences(question)
    parts: list[str] = []
    if customer:
        parts.append("Customer: " + _end(customer[0]))
        details = [
            s
            for s in customer[1:]
            if _SPECIFIC.search(s) and (len(s.split()) >= 4 or re.search(r"\d", s))
        ]
        parts.extend(_end(s) for s in details)
    ai_turns = [_sentences(line.body) for line in lines if line.author_kind == "ai"]
    ai_turns = [turn for turn in ai_turns if turn]
    tail = []
    if ai_turns:  # where the AI left it: the first sentence of its last turn
        tail.append("AI: " + _end(ai_turns[-1][0]))
    if reason.strip():
        tail.append("Escalated: " + _end(" ".join(reason.split())))
    if not parts and not tail:
        return ""
    head = " ".join(parts)
    tail_text = " ".join(tail)
    if not tail_text:
        return clip(head, MAX_SUMMARY)
    if not head:
        return clip(tail_text, MAX_SUMMARY)
    # The customer's problem keeps at least two thirds of the room.
    head_room = max(MAX_SUMMARY - len(tail_text) - 1, MAX_SUMMARY * 2 // 3)
    head = clip(head, head_room)
    return clip(head + " " + tail_text, MAX_SUMMARY)


# The fallback when a plug-in fails: this module's own summariser.
LOCAL_SUMMARISER = f"{local_summary.__module__}.{local_summary.__qualname__}"


def summariser_path() -> str:
    """The configured summariser (its default lives in helpdesk/settings.py)."""
    return settings.HELPDESK_SUMMARISER


def summarise(
    transcript: Iterable[Line], *, question: str = "", reason: str = ""
) -> Summary:
    """The configured summariser's summary, and its dotted path for `summary_by`.

    A summariser that fails or returns nothing falls back to the local one, so an
    escalation is never lost to a summariser outage.
    """
    lines = list(transcript)
    path = summariser_path()
    summariser: Summariser = import_string(path)
    try:
        text = (summariser(lines, question=question, reason=reason) or "").strip()
    except Exception:  # noqa: BLE001 - a plug-in's failure must not block intake
        logger.exception("Summariser %s failed; using the local one", path)
        text = ""
    if not text and path != LOCAL_SUMMARISER:
        path = LOCAL_SUMMARISER
        text = local_summary(lines, question=question, reason=reason)
    return Summary(text=clip(text, MAX_SUMMARY), by=path if text else "")


def lines_of(conversation) -> list[Line]:
    """The transcript of a saved conversation, in order."""
    return [
        Line(author_kind=kind, body=body)
        for kind, body in conversation.messages.order_by("sent_at", "id").values_list(
            "author_kind", "body"
        )
    ]
