"""Urgency and sentiment signals in what a customer wrote, with the words that
triggered them (plain word lists: deterministic and explainable)."""

import re

URGENCY = {
    "deadline": r"\b(today|tonight|tomorrow|deadline|by end of day|eod|asap)\b",
    "blocked": r"\b(can(no|')t (log ?in|access|use|work)|locked out|blocked|stuck"
    r"|down|outage|not working|stopped working)\b",
    "money": r"\b(charged twice|double charged|overcharged|refund|losing (money|sales)"
    r"|chargeback)\b",
    "explicit": r"\b(urgent(ly)?|immediately|emergency|critical|right now)\b",
}
NEGATIVE = (
    r"\b(angry|furious|frustrat\w*|unacceptable|ridiculous|terrible|awful|worst"
    r"|disappoint\w*|annoy\w*|useless|cancel\w*|lawyer|complain\w*|fed up|again)\b"
)
POSITIVE = r"\b(thanks?|thank you|great|appreciate\w*|love|perfect|helpful)\b"
_URGENCY = {name: re.compile(p, re.IGNORECASE) for name, p in URGENCY.items()}
_NEGATIVE = re.compile(NEGATIVE, re.IGNORECASE)
_POSITIVE = re.compile(POSITIVE, re.IGNORECASE)


def _found(pattern: re.Pattern, text: str) -> list[str]:
    words: dict[str, None] = {}
    for match in pattern.finditer(text):
        words.setdefault(match.group(0).lower(), None)
    return list(words)


def urgency(text: str) -> list[dict]:
    """Each urgency signal found, with its trigger words."""
    out = []
    for name, pattern in _URGENCY.items():
        words = _found(pattern, text)
        if words:
            out.append({"signal": name, "words": words})
    return out


def sentiment(text: str) -> dict:
    """negative, positive or neutral, with the words that decided it."""
    negative, positive = _found(_NEGATIVE, text), _found(_POSITIVE, text)
    if len(negative) > len(positive):
        return {"label": "negative", "words": negative}
    if positive and not negative:
        return {"label": "positive", "words": positive}
    return {"label": "neutral", "words": negative + positive}
