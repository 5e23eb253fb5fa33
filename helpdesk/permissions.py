"""The roles matrix: which role may do what in a workspace.

Agents work tickets; managers also delete, export, see reports and manage SLA
policies, escalation rules, shared views and reply channels; admins also manage members,
integrations and workspace settings. The API, the UI and the admin all ask `can()`.
"""

from helpdesk.models import Membership

Role = Membership.Role

MINIMUM_ROLE: dict[str, str] = {
    "ticket.view": Role.AGENT,
    "ticket.create": Role.AGENT,
    "ticket.edit": Role.AGENT,
    "ticket.comment": Role.AGENT,
    "ticket.bulk": Role.AGENT,
    "ticket.delete": Role.MANAGER,
    "ticket.export": Role.MANAGER,
    "ticket.import": Role.MANAGER,
    "reports.view": Role.MANAGER,
    "sla.manage": Role.MANAGER,
    "rules.manage": Role.MANAGER,
    "views.share": Role.MANAGER,
    "macros.manage": Role.MANAGER,
    "articles.manage": Role.MANAGER,
    "members.manage": Role.ADMIN,
    "integrations.manage": Role.ADMIN,
    "channels.manage": Role.MANAGER,
    "workspace.manage": Role.ADMIN,
}
RANK = {Role.AGENT: 1, Role.MANAGER: 2, Role.ADMIN: 3}


def can(membership: Membership | None, action: str) -> bool:
    """Whether the member's role allows `action` (a key of MINIMUM_ROLE)."""
    if membership is None:
        return False
    return RANK[membership.role] >= RANK[MINIMUM_ROLE[action]]


def refusal(membership: Membership, what: str = "do this") -> str:
    """The message for a role that may not: "An agent may not do this."."""
    role = membership.get_role_display().lower()
    article = "An" if role[:1] in "aeiou" else "A"
    return f"{article} {role} may not {what}."
