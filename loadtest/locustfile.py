"""The help desk's everyday API traffic: 70% reads (list, detail), 20% comments,
10% new tickets. Each simulated agent uses its own API token.

Environment: LOAD_TOKENS (file, one token a line; loadtest/seed.py writes it),
LOAD_WORKSPACE (slug, default "load"), LOAD_TICKETS (numbers 1..N to read).
"""

import itertools
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

TOKENS = Path(os.environ.get("LOAD_TOKENS", "loadtest/tokens.txt")).read_text().split()
WORKSPACE = os.environ.get("LOAD_WORKSPACE", "load")
TICKETS = int(os.environ.get("LOAD_TICKETS", "500"))
_next_token = itertools.cycle(TOKENS)


class Agent(HttpUser):
    # An agent reads a ticket, thinks, acts: one request every 1-2 s per agent.
    wait_time = between(1, 2)

    def on_start(self):
        self.client.headers["Authorization"] = f"Token {next(_next_token)}"
        self.base = f"/api/v1/workspaces/{WORKSPACE}"

    def _number(self) -> int:
        return random.randint(1, TICKETS)  # noqa: S311 - load pattern, not security

    @task(35)
    def list_tickets(self):
        self.client.get(f"{self.base}/tickets/?page_size=25", name="list")

    @task(35)
    def retrieve_ticket(self):
        self.client.get(f"{self.base}/tickets/{self._number()}/", name="detail")

    @task(20)
    def comment(self):
        self.client.post(
            f"{self.base}/tickets/{self._number()}/comments/",
            json={"body": "Looking into it."},
            name="comment",
        )

    @task(10)
    def create(self):
        self.client.post(
            f"{self.base}/tickets/",
            json={"subject": "Customer cannot log in", "priority": 3},
            name="create",
        )
