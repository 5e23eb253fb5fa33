"""Demo data: the "Acme" workspace with people, teams and ~300 tickets over 60 days.

Idempotent: running it again changes nothing once the demo workspace has tickets.
Tickets are written through the services so their events and history are real; the
timestamps are then spread over the last 60 days so the lists and reports look lived in.
"""

import random
from datetime import timedelta
from importlib import import_module

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from helpdesk.actors import AI_AGENT
from helpdesk.models import Membership, Team, Workspace
from helpdesk.services import contact_upsert
from sla.models import Metric, SlaPolicy, SlaPolicyTarget
from tickets import conversations, services, workflow
from tickets.intake import summaries
from tickets.intake.summaries import Line
from tickets.management.demo_moments import stage_moments
from tickets.models import Comment, Message, Ticket, TicketEvent
from tickets.services.macros import macro_create

DEMO_PASSWORD = "demo1234"  # noqa: S105 - documented demo credentials
LOGIN_HINT = f"Log in as admin, manager or agent with password {DEMO_PASSWORD!r}."
TICKET_COUNT = 300
# Canned replies with placeholders (tickets/macros.py), one that also resolves.
DEMO_MACROS = (
    {
        "name": "Refund on its way",
        "body": "Hi {{ requester.first_name }},\n\nYour refund for {{ ticket.ref }} is "
        "on its way and should reach you within 5 business days.\n\n"
        "{{ agent.first_name }}",
        "set_status": "resolved",
        "add_tags": ["refund"],
    },
    {
        "name": "Ask for details",
        "body": "Hi {{ requester.first_name }},\n\nCould you send us the order "
        "number and a screenshot of the error? Then we can look into "
        "{{ ticket.ref }} right away.\n\n{{ agent.first_name }}",
        "set_status": "waiting_on_contact",
    },
)

TEAMS = {
    "Billing": ["olivia", "liam", "emma"],
    "Technical": ["noah", "ava", "lucas"],
    "Accounts": ["mia", "ethan"],
}
LABELS = [
    "Billing > Refund",
    "Billing > Invoice",
    "Billing > Payment failed",
    "Technical > Login",
    "Technical > Bug report",
    "Technical > Integration",
    "Account > Deletion",
    "Account > Plan change",
]
PROBLEMS = [
    (
        "Refund not received for order #{n}",
        "Billing > Refund",
        "refund",
        "request_refund",
    ),
    (
        "Charged twice this month",
        "Billing > Payment failed",
        "billing",
        "dispute_charge",
    ),
    ("Need a copy of invoice {n}", "Billing > Invoice", "billing", "get_invoice"),
    (
        "Cannot log in after password reset",
        "Technical > Login",
        "login",
        "account_access",
    ),
    ("Two-factor code never arrives", "Technical > Login", "login", "account_access"),
    ("Export button returns an error", "Technical > Bug report", "bug", "report_bug"),
    ("Dashboard charts are blank", "Technical > Bug report", "bug", "report_bug"),
    (
        "Slack integration stopped posting",
        "Technical > Integration",
        "integration",
        "fix",
    ),
    ("Please delete my account", "Account > Deletion", "account", "delete_account"),
    ("Upgrade to the annual plan", "Account > Plan change", "plans", "change_plan"),
]
CHANNELS = ["web_chat", "email", "whatsapp", "slack", "teams"]
TAGS = ["vip", "refund", "bug", "follow-up", "churn-risk", "mobile", "enterprise"]
CUSTOMERS = [
    "Ada Lovelace",
    "Grace Hopper",
    "Alan Turing",
    "Katherine Johnson",
    "Linus Pauling",
    "Marie Curie",
    "Nikola Tesla",
    "Rosalind Franklin",
    "Tim Berners-Lee",
    "Hedy Lamarr",
    "Claude Shannon",
    "Barbara Liskov",
    "Donald Knuth",
    "Margaret Hamilton",
    "Ken Thompson",
]


class Command(BaseCommand):
    help = "Create the Acme demo workspace with users, teams and ~300 tickets."

    def handle(self, *args, **options):
        workspace, _ = Workspace.objects.get_or_create(
            slug="acme", defaults={"name": "Acme", "ticket_prefix": "TKT"}
        )
        users = self._people(workspace)
        if workspace.tickets.exists():
            self.stdout.write(f"Demo data already present. {LOGIN_HINT}")
            self._app_demos(workspace, users)
            return
        rng = random.Random(42)  # noqa: S311 - demo data, not security
        with transaction.atomic():
            self._sla_policy(workspace)
            self._macros(workspace)
            labels = {
                path: services.label_get_or_create(workspace=workspace, path=path)
                for path in LABELS
            }
            teams = {t.name: t for t in workspace.teams.all()}
            for index in range(TICKET_COUNT):
                self._ticket(workspace, index, rng, users, labels, teams)
            moments = stage_moments(workspace, users["agent"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {TICKET_COUNT} tickets in {workspace.name} "
                f"({moments['breached']} SLA breached, {moments['at_risk']} at risk, "
                f"{moments['waking']} waking in minutes, {moments['unread']} unread "
                f"replies for agent). {LOGIN_HINT}"
            )
        )
        self._app_demos(workspace, users)

    def _app_demos(self, workspace, users):
        """Each installed app's own demo data: `<app>.demo.seed(workspace, users)`
        (found by name, so the ticket app imports none of them; each is idempotent)."""
        for config in apps.get_app_configs():
            if module_has_submodule(config.module, "demo"):
                added = import_module(f"{config.name}.demo").seed(workspace, users)
                if added:
                    self.stdout.write(f"{config.verbose_name}: added {added} items.")

    def _macros(self, workspace):
        """Workspace macros for the composer's picker, written by the manager."""
        manager = Membership.objects.get(workspace=workspace, user__username="manager")
        for values in DEMO_MACROS:
            macro_create(actor=manager, personal=False, **values)

    def _sla_policy(self, workspace):
        """A 24/7 policy for every ticket: urgent answered within the hour, low
        within a day. Clocks start when the demo tickets are made (now), so the
        list shows them counting down rather than all breached."""
        policy, created = SlaPolicy.objects.get_or_create(
            workspace=workspace, name="Standard support", defaults={"position": 0}
        )
        if not created:
            return
        minutes = {  # priority: (first response, next response, resolution)
            1: (24 * 60, 24 * 60, 7 * 24 * 60),
            2: (8 * 60, 8 * 60, 5 * 24 * 60),
            3: (4 * 60, 4 * 60, 3 * 24 * 60),
            4: (2 * 60, 2 * 60, 24 * 60),
            5: (60, 30, 8 * 60),
        }
        for priority, targets in minutes.items():
            for metric, value in zip(Metric.values, targets, strict=True):
                SlaPolicyTarget.objects.create(
                    policy=policy,
                    priority=priority,
                    metric=metric,
                    minutes=value,
                    business_hours=False,
                )

    def _people(self, workspace):
        User = get_user_model()
        users = {}
        roles = {"admin": "admin", "manager": "manager", "agent": "agent"}
        for names in TEAMS.values():
            roles.update({name: "agent" for name in names})
        for username, role in roles.items():
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@acme.example",
                    "first_name": username.capitalize(),
                    "is_staff": role in {"admin", "manager"},
                    "is_superuser": role == "admin",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            Membership.objects.get_or_create(
                user=user, workspace=workspace, defaults={"role": role}
            )
            users[username] = user
        for team_name, members in TEAMS.items():
            team, _ = Team.objects.get_or_create(workspace=workspace, name=team_name)
            team.members.add(*(users[name] for name in members), users["agent"])
        return users

    def _ticket(self, workspace, index, rng, users, labels, teams):
        now = timezone.now()
        created_at = now - timedelta(minutes=rng.randint(10, 60 * 24 * 60))
        subject_tpl, label_path, topic, intent = rng.choice(PROBLEMS)
        name = rng.choice(CUSTOMERS)
        email = f"{name.lower().replace(' ', '.').replace('-', '')}@example.com"
        contact = contact_upsert(workspace=workspace, email=email, name=name)
        channel = rng.choice(CHANNELS)
        escalated = rng.random() < 0.7
        question = subject_tpl.format(n=1000 + index).lower()
        conversation = self._conversation(
            workspace, index, contact, channel, name, question, created_at
        )
        team = (
            teams[label_path.split(" > ")[0]]
            if label_path.startswith(("Billing", "Technical"))
            else teams["Accounts"]
        )
        members = list(team.members.all())
        assignee = rng.choice(members) if rng.random() < 0.8 else None
        summary = summaries.summarise(
            [Line(author_kind="contact", body=f"Hi, {question}. Can you help?")]
        )
        ticket = services.ticket_create(
            workspace=workspace,
            actor=AI_AGENT if escalated else assignee or users["agent"],
            subject=subject_tpl.format(n=1000 + index),
            content=f"{name} wrote: {question}. The AI agent could not resolve it.",
            priority=rng.choices([1, 2, 3, 4, 5], weights=[1, 3, 6, 3, 1])[0],
            assignee=assignee,
            team=team,
            requester=contact,
            label=labels[label_path],
            tags=rng.sample(TAGS, rng.randint(0, 2)),
            source=Ticket.Source.AI_ESCALATION if escalated else Ticket.Source.AGENT,
            primary_conversation=conversation,
            topic=topic,
            intent=intent,
            channel=channel,
            question=question if escalated else "",
            answer="I could not find that in the knowledge base." if escalated else "",
            confidence=rng.randint(5, 60) if escalated else None,
            # Written by the configured summariser, as an escalation's would be.
            summary=summary.text,
            summary_by=summary.by,
        )
        ticket = self._work(ticket, assignee or users["agent"], rng, now)
        self._backdate(ticket, created_at, now, rng)

    def _conversation(
        self, workspace, index, contact, channel, name, question, created_at
    ):
        """The chat the ticket came from: the customer's ask, the AI's hand-off."""
        return conversations.conversation_create(
            workspace=workspace,
            channel=channel,
            external_id=f"chat-{index + 1:05d}",
            contact=contact,
            started_at=created_at - timedelta(minutes=5),
            messages=[
                {
                    "author_kind": Message.AuthorKind.CONTACT,
                    "author_name": name,
                    "body": f"Hi, {question}. Can you help?",
                    "sent_at": created_at - timedelta(minutes=5),
                },
                {
                    "author_kind": Message.AuthorKind.AI,
                    "author_name": "AI agent",
                    "body": "I'm sorry about that. Let me hand this to a colleague.",
                    "sent_at": created_at - timedelta(minutes=4),
                },
            ],
        )

    def _work(self, ticket, actor, rng, now):
        """What agents did since: a comment, status moves, sometimes a snooze."""
        if rng.random() < 0.6:
            services.comment_add(
                ticket=ticket,
                actor=actor,
                body=rng.choice(
                    [
                        "Looking into this now.",
                        "Thanks for your patience, we are on it.",
                        "@manager can you approve this one?",
                    ]
                ),
                is_public=rng.random() < 0.5,
            )
        path = rng.choice(
            [
                [],
                ["in_progress"],
                ["waiting_on_contact"],
                ["in_progress", "resolved"],
                ["resolved", "closed"],
                ["resolved", "closed", "archived"],
                ["closed"],
            ]
        )
        for status in path:
            ticket = services.ticket_change_status(
                ticket=ticket, to=status, actor=actor
            )
        if ticket.status in workflow.ACTIVE_STATUSES and rng.random() < 0.08:
            services.ticket_snooze(
                ticket=ticket,
                until=now + timedelta(hours=rng.randint(1, 72)),
                actor=actor,
            )
        return ticket

    def _backdate(self, ticket, created_at, now, rng):
        """Spread the ticket's life between its creation time and now."""
        span = (now - created_at).total_seconds()
        events = list(ticket.events.order_by("id"))
        stamps = sorted(
            created_at + timedelta(seconds=rng.uniform(0, span)) for _ in events[1:]
        )
        stamps = [created_at, *stamps]
        for event, stamp in zip(events, stamps, strict=True):
            TicketEvent.objects.filter(pk=event.pk).update(created_at=stamp)
        last = stamps[-1]
        fields = {"created_at": created_at, "updated_at": last}
        kinds = {e.kind: s for e, s in zip(events, stamps, strict=True)}
        if ticket.first_responded_at:
            fields["first_responded_at"] = kinds.get("commented", last)
        if ticket.resolved_at:
            fields["resolved_at"] = last
        if ticket.closed_at:
            fields["closed_at"] = last
        Ticket.objects.filter(pk=ticket.pk).update(**fields)
        Comment.objects.filter(ticket=ticket).update(
            created_at=kinds.get("commented", last)
        )
        ticket.history.update(history_date=created_at)
