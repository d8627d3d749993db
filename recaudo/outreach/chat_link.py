"""Drive to WhatsApp: the wa.me link to the number the bot answers on.

SMS and email reminders and the debtor portal carry
``https://wa.me/<digits>?text=<prefilled text>``: one tap opens a chat with
the bot, the debtor's reference already typed (docs/channels.md "Drive to
WhatsApp"). wa.me wants the number as digits only (country code, no "+", no
zeros or punctuation) and the prefilled text URL-encoded.

``bot_whatsapp_number`` is the one place that says which number that is, so
per-creditor WhatsApp accounts can answer it later without touching callers.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from recaudo.languages import django_language
from recaudo.policies.sms import count

# An SMS may grow to this many parts to carry the link, never beyond (and never
# by a part when it already takes more): texts are written to fit two (GSM-7).
SMS_SEGMENT_BUDGET = 2


def bot_whatsapp_number(creditor: Any) -> str:
    """The digits of the WhatsApp number the bot answers this creditor's debtors on ("" if none).

    Today one number answers for every creditor: ``WHATSAPP_DISPLAY_NUMBER``
    (``CHANNELS["whatsapp"]["display_number"]``). A creditor's own account,
    when it has one, is to be read here first.
    """
    own = str(getattr(creditor, "whatsapp_number", "") or "")
    number = own or str(settings.CHANNELS.get("whatsapp", {}).get("display_number") or "")
    return "".join(character for character in number if character.isdigit())


def prefilled_text(reference: str, language: str) -> str:
    """What the chat opens with: a greeting and the debtor's reference, in their language."""
    with translation.override(django_language(language)):
        if reference:
            return gettext("Hola, ref. %(reference)s") % {"reference": reference}
        return gettext("Hola")


def whatsapp_chat_link(creditor: Any, reference: str, language: str) -> str:
    """``https://wa.me/<digits>?text=<urlencoded>``, or "" when no WhatsApp number is set."""
    number = bot_whatsapp_number(creditor)
    if not number:
        return ""
    return f"https://wa.me/{number}?text={quote(prefilled_text(reference, language), safe='')}"


def sms_with_chat_link(text: str, link: str) -> str:
    """``text`` with " WhatsApp: <link>" after it, when that costs no part beyond the budget.

    The link is ASCII, so it never changes the text's encoding; it goes in
    when the whole stays within ``SMS_SEGMENT_BUDGET`` parts or within the
    parts the text takes already. A text that names the link already is kept.
    """
    if not link or link in text:
        return text
    longer = f"{text}\nWhatsApp: {link}"
    allowed = max(SMS_SEGMENT_BUDGET, count(text).segments)
    return longer if count(longer).segments <= allowed else text


def email_with_chat_link(text: str, link: str, register: str, language: str) -> str:
    """``text`` with a closing paragraph inviting the debtor to write on WhatsApp."""
    if not link or link in text:
        return text
    with translation.override(django_language(language)):
        if register == "usted":
            invitation = gettext("¿Preguntas? Escríbanos por WhatsApp: %(link)s")
        else:
            invitation = gettext("¿Preguntas? Escríbenos por WhatsApp: %(link)s")
    return f"{text.rstrip()}\n\n{invitation % {'link': link}}"
