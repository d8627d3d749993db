"""The site's own two answers: ``/`` and ``/favicon.ico``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET

FAVICON = Path(__file__).with_name("favicon.ico")


@require_GET
def home(request: HttpRequest) -> HttpResponseRedirect:
    """Staff to their work (the staff home, which asks for a login first); nothing else lives here.

    A debtor who types the bare address lands on the staff login, which names
    no creditor and shows no data; their own pages are the links they were sent.
    """
    return HttpResponseRedirect(reverse("staff:home"))


@cache
def _favicon() -> bytes:
    return FAVICON.read_bytes()


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response
