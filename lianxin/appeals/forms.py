"""The citizen's submit form. Content rules live in services.appeal_submit; this is the page."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from lianxin.core.errors import InvalidInput

from .models import Category, Track, Urgency
from .services.intake import validated_intake


def category_choices() -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [("", _("Not sure: let the hotline choose"))]
    for group in Category.objects.filter(parent__isnull=True, is_active=True).prefetch_related(
        "children"
    ):
        children = [(c.code, c.name) for c in group.children.all() if c.is_active]
        choices.append((group.name, [(group.code, group.name), *children]))
    return choices


class SubmitForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("In a few words")}),
    )
    content = forms.CharField(
        label=_("What happened"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ORDINARY
    )
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    contact_name = forms.CharField(label=_("Your name"), required=False, max_length=50)
    contact_phone = forms.CharField(
        label=_("Your phone"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    contact_email = forms.EmailField(label=_("Your email"), required=False)
    is_public = forms.BooleanField(
        label=_("Show my appeal on the public board (without my name or phone)"), required=False
    )
    # The photos themselves come in through core.uploads.read_files (the view), not the form.
    photos_public = forms.BooleanField(
        label=_("My photos may be shown with my appeal on the public board"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = category_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data is None:  # Form.clean returns cleaned_data; the stubs allow None
            data = self.cleaned_data
        # The service's rules (a phone number's form, text) are checked here as well: otherwise
        # a bad phone number is only reported once every field Django checks is right.
        try:
            validated_intake(
                title=data.get("title", ""),
                content=data.get("content", ""),
                category=data.get("category") or None,
                urgency=data.get("urgency", Urgency.ORDINARY),
                track=Track.HOTLINE,
                contact_name=data.get("contact_name", ""),
                contact_phone=data.get("contact_phone", ""),
                contact_email=data.get("contact_email", ""),
                address=data.get("address", ""),
            )
        except InvalidInput as exc:
            for field, errors in exc.fields.items():
                if field not in self.errors:  # a field Django already faulted keeps one message
                    for error in errors:
                        self.add_error(field if field in self.fields else None, error)
        return data
