"""One-click unsubscribe (RFC 8058) for the links in every reminder email.

``GET /u/<token>`` shows what will happen and a button; ``POST /u/<token>``
(the button, or the mail client's one-click request with
``List-Unsubscribe=One-Click``) stops that contact point. The page shows
the address masked (``an***@example.com``); a link older than
``UNSUBSCRIBE_LINK_DAYS`` shows none at all, and still stops it
(``outreach.optouts.opt_out_point``: its consents revoked, the point opted
out, the contacts planned on it cancelled, the audit event written, in one
transaction). The token is signed (links.py), so it names one contact point
and cannot be forged or guessed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from recaudo.languages import debtor_language, django_language
from recaudo.outreach import optouts
from recaudo.outreach.links import read_unsubscribe_token
from recaudo.payments.terms import debtor_today
from recaudo.policies.models import Policy
from recaudo.policies.segments import register_for
from recaudo.portfolio.models import ContactPoint


@csrf_exempt  # mail clients POST without a CSRF token; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = read_unsubscribe_token(token)
    point = ContactPoint.objects.filter(pk=found.contact_point_id).first() if found else None
    if found is None or point is None:
        return render(request, "delivery/unsubscribe.html", {"state": "unknown"}, status=404)
    # An old link still stops them, but names nobody.
    address = "" if found.expired else point.masked_value
    # The debtor's language and register, as in their messages (docs/languages.md).
    debtor = point.debtor
    translation.activate(django_language(debtor.language))
    request.LANGUAGE_CODE = translation.get_language()
    tu = (
        debtor_language(debtor.language) == "es"
        and register_for(debtor, debtor_today(debtor)) == Policy.Register.TU
    )
    if request.method == "GET":
        state = "done" if point.opted_out_at else "ask"
    else:
        optouts.opt_out_point(
            point, channel=found.channel, source="unsubscribe page", actor="debtor"
        )
        state = "done"
    return render(
        request, "delivery/unsubscribe.html", {"state": state, "address": address, "tu": tu}
    )
