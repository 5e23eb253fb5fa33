"""The agent UI: server-rendered pages and htmx partials over the ticket core.

`views/` (one module per page), `forms.py` (the UI's input validation), `listing.py`
(the tickets page's URL state and the panel's reads), `snooze.py` (snooze presets),
`urls.py`.
"""
