"""One-click unsubscribe (RFC 8058) for the links in every reminder email.

``GET /u/<token>`` shows what will happen and a button; ``POST /u/<token>``
(the button, or the mail client's one-click request with
``List-Unsubscribe=One-Click``) revokes the consent for that channel on that
contact point, marks the point opted out, and cancels the planned contacts
on it, in one transaction. The token is signed (links.py), so it names one
contact point and cannot be forged or guessed.
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from recaudo.outreach.links import read_unsubscribe_token
from recaudo.outreach.models import Outreach
from recaudo.portfolio.models import ChannelConsent, ContactPoint


@csrf_exempt  # mail clients POST without a CSRF token; the signed token is the proof
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = read_unsubscribe_token(token)
    point = ContactPoint.objects.filter(pk=found[0]).first() if found else None
    if point is None:
        return render(request, "delivery/unsubscribe.html", {"state": "unknown"}, status=404)
    channel = found[1] if found else ""
    if request.method == "GET":
        state = "done" if point.opted_out_at else "ask"
        return render(request, "delivery/unsubscribe.html", {"state": state, "point": point})
    opt_out(point, channel)
    return render(request, "delivery/unsubscribe.html", {"state": "done", "point": point})


def opt_out(point: ContactPoint, channel: str) -> int:
    """Stop using ``point``: consent revoked, opted out, planned contacts on it cancelled."""
    now = timezone.now()
    with transaction.atomic():
        ContactPoint.objects.filter(pk=point.pk, opted_out_at__isnull=True).update(opted_out_at=now)
        ChannelConsent.objects.filter(contact_point=point, revoked_at__isnull=True).update(
            revoked_at=now
        )
        return Outreach.objects.filter(contact_point=point, status=Outreach.Status.PLANNED).update(
            status=Outreach.Status.CANCELLED, status_reason=f"opted out ({channel})"
        )
