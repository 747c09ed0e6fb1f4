"""The citizen's submit form. Content rules live in services.appeal_submit; this is the page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Urgency


def category_choices():
    choices = [("", _("Not sure: let the hotline choose"))]
    for group in Category.objects.filter(parent__isnull=True, is_active=True).prefetch_related("children"):
        children = [(c.code, c.name) for c in group.children.all() if c.is_active]
        choices.append((group.name, [(group.code, group.name), *children]))
    return choices


class SubmitForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": _("In a few words")}))
    content = forms.CharField(label=_("What happened"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 6}))
    category = forms.ChoiceField(label=_("Category"), required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ORDINARY)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    contact_name = forms.CharField(label=_("Your name"), required=False, max_length=50)
    contact_phone = forms.CharField(label=_("Your phone"), required=False, max_length=20,
                                    widget=forms.TextInput(attrs={"inputmode": "tel"}))
    contact_email = forms.EmailField(label=_("Your email"), required=False)
    is_public = forms.BooleanField(
        label=_("Show my appeal on the public board (without my name or phone)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
