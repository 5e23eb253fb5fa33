import pytest

from tests.intake.conftest import message, payload
from tickets.intake import service
from tickets.intake.summaries import MAX_SUMMARY, Line, local_summary, summarise

C, A = "contact", "ai"

REFUND = [
    Line(C, "Hi there!"),
    Line(A, "Hello! How can I help you today?"),
    Line(
        C,
        "I was charged twice for my order #48213 last Tuesday. The second charge of "
        "$59.99 is still on my card.",
    ),
    Line(A, "I'm sorry about that. Could you confirm the email on the order?"),
    Line(C, "It's jane@example.com. I want a refund for the duplicate charge please."),
    Line(
        A,
        "Refunds for duplicate charges need a billing specialist. "
        "I'll pass this to our team.",
    ),
]
LOGIN = [
    Line(C, "hello"),
    Line(C, "I can't log in to my account since this morning"),
    Line(A, "Have you tried resetting your password?"),
    Line(
        C,
        "Yes, twice. The reset email never arrives and now it says "
        "'Account locked, too many attempts'.",
    ),
    Line(A, "I can't unlock accounts myself. A human agent will help you."),
    Line(C, "Thanks"),
]
BUG = [
    Line(C, "The export button on the Reports page does nothing."),
    Line(
        C,
        "When I click Export CSV in Chrome 124 I get a blank page and the console "
        "shows 'TypeError: undefined is not a function'.",
    ),
    Line(A, "Thanks for the details. Does it happen in another browser?"),
    Line(C, "Same in Firefox. It worked fine last week."),
    Line(A, "This looks like a bug. I'm escalating it to our engineers."),
]


def test_refund_summary_leads_with_the_duplicate_charge():
    assert local_summary(REFUND, reason="Refund requests need a human") == (
        "Customer: I was charged twice for my order #48213 last Tuesday. The second "
        "charge of $59.99 is still on my card. I want a refund for the duplicate "
        "charge please. AI: Refunds for duplicate charges need a billing specialist. "
        "Escalated: Refund requests need a human."
    )


def test_login_summary_skips_greetings_and_short_replies():
    assert local_summary(LOGIN) == (
        "Customer: I can't log in to my account since this morning. The reset email "
        "never arrives and now it says 'Account locked, too many attempts'. "
        "AI: I can't unlock accounts myself."
    )


def test_bug_report_summary_keeps_the_error_message():
    assert local_summary(BUG, reason="Possible bug") == (
        "Customer: The export button on the Reports page does nothing. When I click "
        "Export CSV in Chrome 124 I get a blank page and the console shows "
        "'TypeError: undefined is not a function'. AI: This looks like a bug. "
        "Escalated: Possible bug."
    )


def test_long_transcript_is_clipped_to_280_characters_with_the_problem_first():
    rambling = [
        Line(C, f"My invoice {n} shows the wrong VAT rate again.") for n in range(60)
    ]
    rambling.append(Line(A, "I cannot change invoices. Escalating."))
    summary = local_summary(rambling, reason="Invoice corrections need billing")
    assert len(summary) <= MAX_SUMMARY
    assert summary.startswith("Customer: My invoice 0 shows the wrong VAT rate again.")
    assert summary.endswith(
        "AI: I cannot change invoices. Escalated: Invoice corrections need billing."
    )
    assert "…" in summary


def test_summary_falls_back_to_the_question_when_the_customer_said_nothing():
    summary = local_summary([], question="How do I export my data?")
    assert summary == "Customer: How do I export my data?"


def test_summary_is_deterministic():
    assert {local_summary(BUG) for _ in range(5)} == {local_summary(BUG)}


def upper_summariser(transcript, *, question="", reason=""):
    return "PLUGGED: " + " / ".join(line.body.upper() for line in transcript)


def broken_summariser(transcript, *, question="", reason=""):
    raise RuntimeError("model server down")


def test_summariser_is_chosen_by_dotted_path_in_settings(settings):
    settings.HELPDESK_SUMMARISER = "tests.intake.test_summaries.upper_summariser"
    summary = summarise([Line(C, "help")])
    assert summary.text == "PLUGGED: HELP"
    assert summary.by == "tests.intake.test_summaries.upper_summariser"


def test_failing_summariser_falls_back_to_the_local_one(settings):
    settings.HELPDESK_SUMMARISER = "tests.intake.test_summaries.broken_summariser"
    summary = summarise(BUG)
    assert summary.text == local_summary(BUG)
    assert summary.by == "tickets.intake.summaries.local_summary"


@pytest.mark.django_db
def test_escalated_ticket_shows_its_summary_and_which_summariser_wrote_it(
    workspace, bot
):
    result = service.escalation_intake(
        workspace=workspace,
        actor=bot,
        payload=payload(
            escalate=True,
            reason="",
            conversation__messages=[
                message("contact", "Hello!", 0),
                message("contact", "My parcel 99812 arrived broken.", 1),
                message("ai", "I'm sorry. I can't issue replacements.", 2),
            ],
        ),
    )
    ticket = result.ticket
    assert ticket.summary == (
        "Customer: My parcel 99812 arrived broken. AI: I'm sorry."
    )
    assert ticket.summary_by == "tickets.intake.summaries.local_summary"
