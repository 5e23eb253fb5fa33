"""Back office for the knowledge base: articles with their field history (managers
write them), insights and feedback read only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from helpdesk.admin import WorkspaceScopedAdmin
from knowledge import services
from knowledge.models import Article, InsightFeedback, TicketInsight


@admin.register(Article)
class ArticleAdmin(WorkspaceScopedAdmin, SimpleHistoryAdmin):
    manager_can_edit = True
    scoped_foreign_keys = {"label": "workspace", "source_ticket": "workspace"}
    list_display = ["title", "workspace", "status", "label", "updated_at", "view_count"]
    list_filter = ["workspace", "status"]
    search_fields = ["title", "body"]
    list_select_related = ["workspace", "label"]
    fields = ["workspace", "title", "body", "tags", "label", "status", "source_ticket"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.ARTICLE_FIELDS}
        saved = services.article_save(
            workspace=form.cleaned_data["workspace"],
            actor=request.user,
            values=values,
            article=obj if change else None,
        )
        obj.pk = saved.pk


class _ReadOnly(WorkspaceScopedAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TicketInsight)
class TicketInsightAdmin(_ReadOnly):
    list_display = ["ticket", "ticket_version", "provider", "computed_at"]
    list_filter = ["provider"]
    list_select_related = ["ticket"]


@admin.register(InsightFeedback)
class InsightFeedbackAdmin(_ReadOnly):
    list_display = ["ticket", "section", "item", "helpful", "user", "created_at"]
    list_filter = ["section", "helpful"]
    list_select_related = ["ticket", "user"]
