"""Run by test_intake: N threads post one identical escalation on a fresh SQLite file.
Prints one JSON line: tickets, conversations, replays and errors."""

import json
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import sqlite_probe  # noqa: E402

sqlite_probe.start(sys.argv[1])

from helpdesk.models import Workspace  # noqa: E402
from tests.intake.conftest import payload  # noqa: E402
from tickets.intake import rules, service  # noqa: E402
from tickets.models import Conversation, Ticket  # noqa: E402

workspace = Workspace.objects.create(name="Probe", slug="probe")
rules.escalation_rule_create(
    workspace=workspace, actor=None, values={"name": "Everything"}
)
body = payload()
replays, lock = [], threading.Lock()


def post() -> None:
    result = service.escalation_intake(workspace=workspace, payload=body)
    with lock:
        replays.append(result.replayed)


errors = sqlite_probe.at_once(int(sys.argv[2]), post)
print(
    json.dumps(
        {
            "tickets": Ticket.objects.count(),
            "conversations": Conversation.objects.count(),
            "first_runs": replays.count(False),
            "replays": replays.count(True),
            "errors": errors,
        }
    )
)
