"""Settings: the hub linking each section the member's role may open."""

from django.contrib.auth.decorators import login_required

from tickets.ui.views.settings_base import render_settings, settings_member


@login_required
def settings_hub(request, slug: str):
    membership = settings_member(request, slug, "rules.manage")
    return render_settings(request, membership, "settings/hub.html", {})
