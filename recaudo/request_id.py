"""Every request gets an id: in its log lines and in the ``X-Request-ID`` response header.

A sane incoming ``X-Request-ID`` (from the proxy in front, so one id follows
the request through both logs) is kept; anything else is replaced by a new
one, so a caller cannot write arbitrary text into the logs through it.

The id stays bound until Django's ``request_finished`` (not just until the
middleware returns): Django logs a 4xx/5xx response ("Not Found: …") after
the middleware chain, and that line must carry the id too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponseBase

from recaudo.logs import bind, unbind

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def request_id_of(request: HttpRequest) -> str:
    incoming = request.headers.get(HEADER, "")
    return incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_of(request)
        bind(request_id=request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _forget_request_id(**kwargs: Any) -> None:
    # A worker thread's next request, or whatever it logs meanwhile, must not inherit the id.
    unbind("request_id")


request_finished.connect(_forget_request_id, dispatch_uid="recaudo.request_id.forget")
