from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

REPLY_CHANNELS = [("whatsapp", "WhatsApp"), ("sms", "SMS"), ("rcs", "RCS")]


class ReplyForm(forms.Form):
    """The debtor's answer, sent through the provider's inbound webhook."""

    channel = forms.ChoiceField(label=_("Canal"), choices=REPLY_CHANNELS)
    phone = forms.ChoiceField(label=_("Desde el teléfono"))
    text = forms.CharField(
        label=_("Mensaje"), max_length=1600, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, phones: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["phone"])  # declared above
        field.choices = [(phone, phone) for phone in phones]
