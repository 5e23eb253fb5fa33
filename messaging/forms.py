"""The channels page's form: one per kind, the model's checks on save."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from messaging.models import Channel

FIELDS = {
    Channel.Kind.CHAT: ("enabled", "callback_url", "secret"),
    Channel.Kind.EMAIL: ("enabled", "from_email", "from_name", "signature"),
}


class ChannelForm(forms.Form):
    enabled = forms.BooleanField(required=False, initial=True)
    callback_url = forms.CharField(
        max_length=500, required=False, label="Callback URL (https)"
    )
    secret = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.PasswordInput,
        label="Signing secret",
        help_text="16 or more characters; leave empty to keep the stored one.",
    )
    from_email = forms.EmailField(required=False, label="Sender address")
    from_name = forms.CharField(max_length=100, required=False, label="Sender name")
    signature = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, kind: str, channel: Channel | None, **kwargs):
        if channel is not None and not args:
            kwargs["initial"] = {
                name: getattr(channel, name)
                for name in FIELDS[kind]
                if name != "secret"
            }
        super().__init__(*args, **kwargs)
        self.kind = kind
        for name in list(self.fields):
            if name not in FIELDS[kind]:
                del self.fields[name]

    def values(self) -> dict:
        data = {"kind": self.kind, **self.cleaned_data}
        if not data.get("secret"):
            data.pop("secret", None)
        return data

    def add_model_errors(self, exc: ValidationError) -> None:
        for field, messages in exc.message_dict.items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target if field != NON_FIELD_ERRORS else None, message)
