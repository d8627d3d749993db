from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

# What fits in one request to the sandbox (5 MB, base64 adds a third).
MAX_ATTACHMENT_BYTES = 3 * 1024 * 1024 + 512 * 1024
REPLY_CHANNELS = [("whatsapp", "WhatsApp"), ("sms", "SMS"), ("rcs", "RCS"), ("email", _("Correo"))]


class ReplyForm(forms.Form):
    """The debtor's answer, sent through the provider's inbound webhook."""

    channel = forms.ChoiceField(label=_("Canal"), choices=REPLY_CHANNELS)
    phone = forms.ChoiceField(label=_("Desde (teléfono o correo)"))
    text = forms.CharField(
        label=_("Mensaje"),
        max_length=1600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attachment = forms.FileField(
        label=_("Foto o PDF (por WhatsApp, MMS o correo, como un comprobante)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("attachment")
        if not (cleaned.get("text") or "").strip() and upload is None:
            raise forms.ValidationError(_("Escriba un mensaje o adjunte un archivo."))
        channel, sender = cleaned.get("channel"), cleaned.get("phone") or ""
        if channel and sender and (channel == "email") != ("@" in sender):
            self.add_error(
                "phone",
                _("Por correo, desde un correo; por los demás canales, desde un teléfono."),
            )
        if upload is not None:
            if channel not in ("whatsapp", "sms", "email"):
                self.add_error(
                    "attachment", _("Los archivos se envían por WhatsApp, SMS (MMS) o correo.")
                )
            elif upload.size > MAX_ATTACHMENT_BYTES:
                self.add_error("attachment", _("El archivo supera los 3,5 MB."))
        return cleaned

    def sent_file(self) -> tuple[bytes, str] | None:
        """The attached file and the type its browser declared (the sandbox sends it as is)."""
        upload = self.cleaned_data.get("attachment")
        if upload is None:
            return None
        return upload.read(), upload.content_type or "application/octet-stream"

    def __init__(self, *args: Any, phones: list[str], **kwargs: Any) -> None:
        """``phones``: the debtor's phones and email addresses, the senders to choose from."""
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["phone"])  # declared above
        field.choices = [(phone, phone) for phone in phones]
