"""Provider webhooks skip the middlewares written for browsers.

A webhook is a machine's POST: it carries no session, cookie, CSRF token or
language and is answered with an empty 200, so sessions, locale, CSRF, auth,
messages, htmx, the CSP and axes have nothing to do on it, yet they cost
about half of its CPU (docs/benchmarks.md, "Web server and webhooks"). This
middleware sits after the ones every request needs (health, request id, the
NUL check, SecurityMiddleware's HTTPS redirect and headers): for a path whose
view is marked ``@provider_webhook`` it checks the host as CommonMiddleware
would and calls the view at once; every other request goes down the whole
chain. An exception in the view becomes a 500 as anywhere else (Django wraps
each middleware).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

View = TypeVar("View", bound=Callable[..., Any])

PREFIX = "/webhooks/"


def provider_webhook(view: View) -> View:
    """Mark a view as a provider webhook: CSRF-exempt, served by the short lane."""
    view = csrf_exempt(view)
    view.provider_webhook = True  # type: ignore[attr-defined]  # a marker the lane reads
    return view


class ProviderWebhookLane:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if not getattr(match.func, "provider_webhook", False):
            return self.get_response(request)
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it (DisallowedHost -> 400)
        request.resolver_match = match
        response: HttpResponse = match.func(request, *match.args, **match.kwargs)
        return response
