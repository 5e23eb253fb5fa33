"""Run by test_intake: N threads post one identical escalation on a fresh SQLite file.

Prints one JSON line: tickets, conversations, replays and errors. A separate process
so the embedded default is exercised whatever database the suite itself runs on.
"""

import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from helpdesk.models import Workspace  # noqa: E402
from tests.intake.conftest import payload  # noqa: E402
from tickets import escalation  # noqa: E402
from tickets.models import Conversation, Ticket  # noqa: E402

threads = int(sys.argv[2])
call_command("migrate", verbosity=0)
workspace = Workspace.objects.create(name="Probe", slug="probe")
escalation.escalation_rule_create(
    workspace=workspace, actor=None, values={"name": "Everything"}
)
body = payload()
connection.close()
barrier = threading.Barrier(threads)
errors, replays, lock = [], [], threading.Lock()


def post():
    barrier.wait()
    try:
        result = escalation.escalation_intake(workspace=workspace, payload=body)
        with lock:
            replays.append(result.replayed)
    except Exception as exc:  # noqa: BLE001 - reported to the test
        with lock:
            errors.append(repr(exc))
    finally:
        connection.close()


pool = [threading.Thread(target=post) for _ in range(threads)]
for thread in pool:
    thread.start()
for thread in pool:
    thread.join()
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
