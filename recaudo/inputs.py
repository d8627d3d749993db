"""What every boundary refuses or repairs before a value reaches the database.

PostgreSQL cannot store NUL in text (nor ``\\u0000`` in jsonb), and a lone
surrogate (``"\\ud800"`` in JSON) cannot be encoded to UTF-8: either one,
stored, is a 500. Each boundary handles them once (docs/security.md#input):

- ``RefuseUnstorableInput`` (middleware): the path, the query string, the
  headers, the cookies and browser forms: 400.
- the API's JSON parser (``recaudo.api``): ``loads_json`` (bounded nesting),
  then ``unstorable_paths``: a 422 naming each field.
- provider webhooks: ``storable`` on every parsed event (they were signed by
  the provider, so they are kept with the characters replaced).
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse

# NUL, and the UTF-16 surrogates that only a JSON escape can put in a str.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"
# Deeper JSON than any provider or integrator sends; Python's parser would
# otherwise end in a RecursionError (a 500) a little deeper than 1000.
MAX_JSON_DEPTH = 64
_OPENERS = frozenset(b"[{")
_CLOSERS = frozenset(b"]}")


class TooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH."""


def signatures_match(expected: str, given: str) -> bool:
    """Constant-time comparison of two signatures as bytes.

    ``hmac.compare_digest`` raises TypeError on a str that is not ASCII (a
    header ``sha256=\u00e9``): compared as UTF-8 bytes it is just a mismatch.
    """
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
    )


def has_unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def storable(value: Any) -> Any:
    """``value`` with NUL and lone surrogates replaced by U+FFFD, in every str it holds."""
    if isinstance(value, str):
        return UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(storable(item) for item in value)
    return value


def json_depth(body: bytes | str) -> int:
    """How deep brackets nest in a JSON text (brackets inside strings are skipped)."""
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in _OPENERS:
            depth += 1
            deepest = max(deepest, depth)
        elif byte in _CLOSERS:
            depth -= 1
    return deepest


def loads_json(body: bytes | str, **options: Any) -> Any:
    """``json.loads`` that refuses nesting deeper than MAX_JSON_DEPTH (TooDeep, a ValueError)."""
    if json_depth(body) > MAX_JSON_DEPTH:
        raise TooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(body, **options)


def unstorable_paths(value: Any) -> Iterator[list[str | int]]:
    """The path to every str (or object key) in parsed JSON that holds an unstorable character."""
    stack: list[tuple[list[str | int], Any]] = [([], value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if has_unstorable(item):
                yield path
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                if isinstance(key, str) and has_unstorable(key):
                    yield [*path, UNSTORABLE.sub(REPLACEMENT, key)]
                else:
                    stack.append(([*path, key], child))
        elif isinstance(item, list):
            children = list(enumerate(item))
            stack.extend(([*path, index], child) for index, child in reversed(children))


# --- the middleware ------------------------------------------------------------------


class RefuseUnstorableInput:
    """400 for a NUL in the path, the query, a header, a cookie or a browser's form.

    Webhooks and the API are exempt from the form check only (they are
    ``csrf_exempt`` and read their own bodies: see the module docstring).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = _unstorable_in_request(request)
        if where:
            return _refused(request, where)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        # Forms of the portal and the admin (CsrfViewMiddleware reads them too).
        if getattr(view, "csrf_exempt", False) or request.method != "POST":
            return None
        for name, values in request.POST.lists():
            if has_unstorable(name) or any(has_unstorable(value) for value in values):
                return _refused(request, f"form field {UNSTORABLE.sub(REPLACEMENT, name)}")
        return None


def _unstorable_in_request(request: HttpRequest) -> str:
    if has_unstorable(request.path):
        return "path"
    for name, values in request.GET.lists():
        if has_unstorable(name) or any(has_unstorable(value) for value in values):
            return f"query parameter {UNSTORABLE.sub(REPLACEMENT, name)}"
    for key, value in request.META.items():
        if key.startswith("HTTP_") and isinstance(value, str) and has_unstorable(value):
            return "header " + key[5:].replace("_", "-").title()
    return ""


def _refused(request: HttpRequest, where: str) -> HttpResponse:
    detail = f"The {where} holds a NUL character, which is never accepted."
    if request.path.startswith("/api/"):
        body = {"type": "about:blank", "title": "Bad request", "status": 400, "detail": detail}
        return HttpResponse(json.dumps(body), status=400, content_type="application/problem+json")
    return HttpResponse(detail, status=400, content_type="text/plain")
