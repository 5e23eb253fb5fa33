"""Forms of the knowledge pages: the article editor and the insights feedback."""

from django import forms

from knowledge.models import Article, InsightFeedback
from tickets.models import Label

MAX_BODY = 100_000
MAX_TAGS = 20


class ArticleForm(forms.Form):
    """An article; the label must be one of the workspace's."""

    title = forms.CharField(max_length=200)
    body = forms.CharField(max_length=MAX_BODY, widget=forms.Textarea)
    tags = forms.CharField(required=False, max_length=1000)
    label = forms.ModelChoiceField(queryset=Label.objects.none(), required=False)
    status = forms.ChoiceField(choices=Article.Status.choices)

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].queryset = Label.objects.filter(workspace=workspace)

    def clean_tags(self):
        tags = [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(f"At most {MAX_TAGS} tags.")
        if any(len(t) > 50 for t in tags):
            raise forms.ValidationError("A tag has at most 50 characters.")
        return tags


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, max_length=MAX_BODY)


class FeedbackForm(forms.Form):
    """Helpful or not, on one suggestion (section and its item id)."""

    section = forms.ChoiceField(choices=InsightFeedback.Section.choices)
    item = forms.RegexField(regex=r"^[a-z0-9-]{1,100}$", max_length=100)
    helpful = forms.TypedChoiceField(
        choices=[("yes", "Helpful"), ("no", "Not helpful")],
        coerce=lambda value: value == "yes",
    )
