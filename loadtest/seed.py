"""A workspace for the load test: agents with API tokens and some tickets.

    python -m loadtest.seed --users 100 --tickets 500 --tokens loadtest/tokens.txt

Safe to run again: existing agents, tokens and tickets are reused.
"""

import argparse
import os
from pathlib import Path

SLUG = "load"


def seed(*, users: int, tickets: int, slug: str = SLUG) -> list[str]:
    """Create what is missing; return one API token per agent."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from helpdesk.models import Membership, Workspace
    from tickets import services

    workspace, _ = Workspace.objects.get_or_create(
        slug=slug, defaults={"name": "Load test"}
    )
    User = get_user_model()
    tokens = []
    for i in range(users):
        user, _ = User.objects.get_or_create(
            username=f"{slug}-agent-{i}", defaults={"email": f"agent{i}@load.test"}
        )
        Membership.objects.get_or_create(
            user=user, workspace=workspace, defaults={"role": Membership.Role.AGENT}
        )
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    agent = User.objects.get(username=f"{slug}-agent-0")
    for n in range(workspace.tickets.count(), tickets):
        services.ticket_create(
            workspace=workspace, actor=agent, subject=f"Seeded ticket {n + 1}"
        )
    return tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--tokens", type=Path, required=True)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()
    tokens = seed(users=args.users, tickets=args.tickets)
    args.tokens.write_text("\n".join(tokens) + "\n")
    print(f"seeded workspace {SLUG!r}: {len(tokens)} agents, {args.tickets} tickets")


if __name__ == "__main__":
    main()
