"""Run by test_numbering: N threads create one ticket each on a fresh SQLite file.

Prints one JSON line: committed numbers and errors. A separate process so the
embedded default is exercised whatever database the suite itself runs on.
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
from tickets import services  # noqa: E402
from tickets.models import Ticket  # noqa: E402

threads = int(sys.argv[2])
call_command("migrate", verbosity=0)
workspace = Workspace.objects.create(name="Probe", slug="probe")
connection.close()
barrier = threading.Barrier(threads)
errors = []


def create():
    barrier.wait()
    try:
        services.ticket_create(
            workspace=workspace, actor=None, subject="Probe", source="api"
        )
    except Exception as exc:  # noqa: BLE001 - reported to the test
        errors.append(repr(exc))
    finally:
        connection.close()


pool = [threading.Thread(target=create) for _ in range(threads)]
for thread in pool:
    thread.start()
for thread in pool:
    thread.join()
numbers = sorted(Ticket.objects.values_list("number", flat=True))
print(json.dumps({"committed": len(numbers), "errors": errors, "numbers": numbers}))
