"""Run by test_numbering: N threads create one ticket each on a fresh SQLite file.
Prints one JSON line: committed numbers and errors."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests import sqlite_probe  # noqa: E402

sqlite_probe.start(sys.argv[1])

from helpdesk.models import Workspace  # noqa: E402
from tickets import services  # noqa: E402
from tickets.models import Ticket  # noqa: E402

workspace = Workspace.objects.create(name="Probe", slug="probe")
errors = sqlite_probe.at_once(
    int(sys.argv[2]),
    lambda: services.ticket_create(
        workspace=workspace, actor=None, subject="Probe", source="api"
    ),
)
numbers = sorted(Ticket.objects.values_list("number", flat=True))
print(json.dumps({"committed": len(numbers), "errors": errors, "numbers": numbers}))
