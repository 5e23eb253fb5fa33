"""A labelled knowledge base: 30 articles and 60 customer messages, each labelled
with the article that answers it (demo_corpus.json). Written for the insights
quality test (tests/knowledge/test_quality.py: does the local provider find the
right article among its top three?) and used by the demo data (knowledge.demo), so
the AI Insights tab of the demo shows true matches. Messages are phrased the way
customers write, not copied from the articles."""

import json
from pathlib import Path

_ROWS = json.loads((Path(__file__).with_suffix(".json")).read_text(encoding="utf-8"))

# key: (article title, article steps, [(ticket subject, customer message), ...])
CORPUS: dict[str, tuple[str, list[str], list[tuple[str, str]]]] = {
    row["key"]: (
        row["title"],
        row["steps"],
        [(t["subject"], t["message"]) for t in row["tickets"]],
    )
    for row in _ROWS
}
