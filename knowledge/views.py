"""The knowledge-base pages under /w/<slug>/articles/: agents read and search the
published articles; managers also see drafts and write them (editor with preview)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from helpdesk.permissions import can
from knowledge import selectors, services
from knowledge.forms import ArticleForm, PreviewForm
from knowledge.models import Article
from tickets.templatetags.tickets_ui import markdown
from tickets.ui import listing
from tickets.ui.views.base import error_messages, member_for

PAGE_SIZE = 25


def _articles(membership):
    """What the member may read: every article for managers, published ones else."""
    return selectors.article_list(
        workspace=membership.workspace,
        published_only=not can(membership, "articles.manage"),
    )


def _article(membership, pk: int) -> Article:
    try:
        return _articles(membership).get(pk=pk)
    except Article.DoesNotExist:
        raise Http404("No such article.") from None


def _manager(request, slug):
    membership = member_for(request, slug)
    if not can(membership, "articles.manage"):
        raise Http404("No such page.")
    return membership


@login_required
def article_index(request, slug: str):
    membership = member_for(request, slug)
    q = " ".join(request.GET.get("q", "").split())[:200]
    rows = selectors.article_search(_articles(membership), q)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/index.html",
        {
            **listing.page_shell(request, membership),
            "page": page,
            "q": q,
            "may_write": can(membership, "articles.manage"),
        },
    )


@login_required
def article_detail(request, slug: str, pk: int):
    membership = member_for(request, slug)
    article = _article(membership, pk)
    services.article_viewed(article=article)
    return render(
        request,
        "knowledge/detail.html",
        {
            **listing.page_shell(request, membership),
            "article": article,
            "may_write": can(membership, "articles.manage"),
        },
    )


def _editor(request, membership, article, form, errors=(), status=200):
    return render(
        request,
        "knowledge/edit.html",
        {
            **listing.page_shell(request, membership),
            "article": article,
            "form": form,
            "errors": list(errors),
            "statuses": Article.Status.choices,
            "labels": membership.workspace.labels.select_related("parent"),
        },
        status=status,
    )


def _save(request, membership, article):
    form = ArticleForm(request.POST, workspace=membership.workspace)
    if not form.is_valid():
        errors = [
            f"{form[name].label}: {' '.join(e)}" for name, e in form.errors.items()
        ]
        return _editor(request, membership, article, form, errors, status=422)
    try:
        article = services.article_save(
            workspace=membership.workspace,
            actor=request.user,
            values=form.cleaned_data,
            article=article,
        )
    except ValidationError as exc:
        return _editor(request, membership, article, form, error_messages(exc), 422)
    return redirect("knowledge:article", membership.workspace.slug, article.pk)


@login_required
def article_new(request, slug: str):
    membership = _manager(request, slug)
    if request.method == "POST":
        return _save(request, membership, None)
    form = ArticleForm(workspace=membership.workspace, initial={"status": "draft"})
    return _editor(request, membership, None, form)


@login_required
def article_edit(request, slug: str, pk: int):
    membership = _manager(request, slug)
    article = _article(membership, pk)
    if request.method == "POST":
        return _save(request, membership, article)
    initial = {
        "title": article.title,
        "body": article.body,
        "tags": ", ".join(article.tags),
        "label": article.label_id,
        "status": article.status,
    }
    form = ArticleForm(workspace=membership.workspace, initial=initial)
    return _editor(request, membership, article, form)


@login_required
@require_POST
def article_preview(request, slug: str):
    _manager(request, slug)
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse("The text is too long to preview.", status=400)
    return HttpResponse(markdown(form.cleaned_data["body"]))


@login_required
@require_POST
def article_delete(request, slug: str, pk: int):
    membership = _manager(request, slug)
    services.article_delete(article=_article(membership, pk), actor=request.user)
    return redirect("knowledge:index", slug)
