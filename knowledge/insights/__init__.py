"""AI Insights of a ticket: a pluggable provider (settings.HELPDESK_INSIGHTS_PROVIDER,
a dotted path like the summariser) turns a ticket into analysis, suggested
resolution steps, related articles and similar tickets (`base.compute`)."""
