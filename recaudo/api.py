"""The REST API root (/api/v1, OpenAPI at /api/v1/docs) and what every endpoint shares.

- Authentication by a creditor's API key (``recaudo.portfolio.apikeys``).
- Errors as RFC 9457 problem details (``application/problem+json``), whether an
  endpoint, ninja's schema validation, authentication or Django raised them.
- Writes in one transaction, with the answer stored under the request's
  ``Idempotency-Key`` in that same transaction.

Each app's ``api.py`` mounts its own router on ``api``; they are imported at
the end of this module.
"""

import functools
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import Field, Header, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    WithJsonSchema,
    create_model,
)

from recaudo.inputs import TooDeep, loads_json, unstorable_paths
from recaudo.portfolio.apikeys import API_KEY_AUTH
from recaudo.portfolio.columns import Defaults, RowErrors
from recaudo.portfolio.ingest import CHUNK_ROWS, Outcome, run_in_transaction
from recaudo.portfolio.models import ApiKey, Creditor, IdempotencyRecord
from recaudo.portfolio.rules import InputError, date_in_range, datetime_in_range

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "urn:recaudo:problem:"
# Writers count conflicting replays under this name so that a request failing
# only because of them is answered 409 rather than 422.
CONFLICTS = "conflicts"


class DecimalJsonParser(Parser):
    """JSON numbers with a fraction are read as Decimal: 0.1 stays 0.1, never a binary float.

    The API's one reading of bodies: nesting is bounded (400), and a NUL or a
    lone surrogate in any string is a 422 naming the field (docs/security.md#input).
    """

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            data = loads_json(request.body, parse_float=Decimal)
        except TooDeep as error:
            raise _kept(request, Problem(400, "Bad request", f"The body is {error}.")) from None
        errors = [
            field_error(path, "holds a NUL character or a lone surrogate, never accepted")
            for path in unstorable_paths(data)
        ]
        if errors:
            raise _kept(request, invalid(errors))
        return data


def _kept(request: HttpRequest, problem: "Problem") -> "Problem":
    # ninja turns whatever parse_body raises into "Cannot parse request body";
    # on_http_error answers with the problem kept on the request instead.
    request.recaudo_problem = problem  # type: ignore[attr-defined]  # read by on_http_error
    return problem


api = NinjaAPI(
    title="Recaudo API",
    version="1",
    description=(
        "Debtors, debts and payments of one creditor, authenticated by an API key "
        "(`Authorization: Bearer rk_...` or `X-API-Key: rk_...`). Bodies use the field names "
        "of the file import; amounts are decimal strings. Writes are all or nothing; errors "
        "are RFC 9457 problem details naming every bad field. Messages are in English whatever "
        "the request's Accept-Language; `field` and `pointer` are the stable, machine-readable "
        "part. Read-only lists of what happened to the debtors (outreach, promises, plans, "
        "disputes, requests, conversations, events) page with an opaque `next_cursor`."
    ),
    urls_namespace="api-v1",
    auth=API_KEY_AUTH,
    parser=DecimalJsonParser(),
)


def _in_english(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Every API message in English: integrators read one language, whatever the site's.

    The rules behind the API (``recaudo.portfolio.rules``) speak the active
    language, Spanish for the file import's managers; LocaleMiddleware would
    otherwise pick it from Accept-Language.
    """

    @functools.wraps(view)
    def in_english(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with translation.override("en"):
            return view(request, *args, **kwargs)

    return in_english


api.add_decorator(_in_english, mode="view")

# --- problem details -------------------------------------------------------------------


class Problem(Exception):
    """An error answered as RFC 9457 problem details."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        kind: str = "",
        errors: Iterable[dict[str, str]] = (),
    ):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = PROBLEM_TYPE + kind if kind else "about:blank"
        self.errors = list(errors)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        return body


class FieldErrorOut(Schema):
    field: str
    pointer: str | None = None
    detail: str


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldErrorOut] | None = None


def field_error(path: Iterable[str | int], detail: str) -> dict[str, str]:
    """``["items", 3, "amount"]``: field ``items[3].amount``, pointer ``#/items/3/amount``."""
    field = ""
    for part in path:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else part)
    pointer = "#" + "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)
    return {"field": field or "body", "pointer": pointer, "detail": detail}


def invalid(errors: list[dict[str, str]]) -> Problem:
    count = len(errors)
    return Problem(
        422,
        "The request has invalid fields",
        f"{count} error{'s' if count > 1 else ''} in the request; nothing was written.",
        kind="validation",
        errors=errors,
    )


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(problem.as_dict(), ensure_ascii=False),
        status=problem.status,
        content_type="application/problem+json",
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(Problem)
def on_problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem_response(exc)


@api.exception_handler(ValidationError)
def on_invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        source, *path = error["loc"]
        if source == "body" and path:
            path = path[1:]  # the view's parameter name is not part of the JSON sent
        errors.append(field_error(path, _message(error)))
        if source != "body":
            del errors[-1]["pointer"]  # a JSON pointer points into the body only
    return problem_response(invalid(errors))


# Pydantic's words name Python types and our model classes; integrators think in JSON.
_MESSAGES = {
    "extra_forbidden": "is not a known field",
    "missing": "is required",
    "model_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "list_type": "must be a JSON array",
    "string_type": "must be a string",
}


def _message(error: dict[str, Any]) -> str:
    return _MESSAGES.get(error.get("type", ""), str(error.get("msg", "is not valid")))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if "Authorization" in request.headers or "X-API-Key" in request.headers:
        detail = "The API key is not valid or was revoked."
    else:
        detail = "Send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'."
    problem = Problem(401, "Unauthorized", detail, kind="unauthorized")
    return problem_response(problem, {"WWW-Authenticate": 'Bearer realm="recaudo"'})


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(Problem(404, "Not found", "There is nothing at this address."))


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    detail = "The request body is larger than this server accepts; send fewer items per request."
    return problem_response(Problem(413, "Request body too large", detail, kind="body-too-large"))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(kept := getattr(request, "recaudo_problem", None), Problem):
        return problem_response(kept)
    if str(exc).startswith("Cannot parse request body"):
        return problem_response(Problem(400, "Bad request", "The body is not valid JSON."))
    return problem_response(Problem(exc.status_code, str(exc), str(exc)))


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path)
    detail = "Something went wrong on our side; nothing was written. Try again later."
    return problem_response(Problem(500, "Internal server error", detail))


# --- request bodies and pages ---------------------------------------------------------


def _as_text(value: Any) -> Any:
    # Integrators send ids and amounts as JSON numbers; their digits are the text.
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


def _as_words(value: Any) -> Any:
    if isinstance(value, list):
        return "|".join(str(_as_text(item)) for item in value)
    return value


def _as_flag(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _either(*types: str) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": kind} for kind in types]})


# Field types that accept what integrators send and hand the cleaning functions text.
Text = Annotated[str | None, BeforeValidator(_as_text)]
Amount = Annotated[str | None, BeforeValidator(_as_text), _either("string", "number")]
Words = Annotated[
    str | None,
    BeforeValidator(_as_words),
    WithJsonSchema({"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}),
]
Flag = Annotated[str | None, BeforeValidator(_as_flag), _either("boolean", "string")]


def _in_range(value: date | None) -> date | None:
    # A query parameter's name is in the error's location; the message says only why.
    try:
        if isinstance(value, datetime):
            return datetime_in_range(value, "")
        return None if value is None else date_in_range(value, "")
    except InputError as error:
        raise ValueError(error.message) from None


# Days and times in query parameters, in DATE_RANGE like every date that enters
# (one validator after the union, so an error names the parameter alone).
Day = Annotated[date | None, AfterValidator(_in_range)]
DayOrMoment = Annotated[date | datetime | None, AfterValidator(_in_range)]


def canonical_body(
    name: str,
    fields: Iterable[str],
    required: Iterable[str],
    doc: str,
    *,
    types: dict[str, Any],
) -> Any:
    """A body model of ``fields`` (Text unless ``types`` says otherwise).

    Pydantic only shapes the body and refuses unknown fields. Whether a field is
    present and valid is left to the import's cleaning functions, so every bad
    field is reported at once, in the same words as a file import; OpenAPI still
    lists ``required``.
    """
    schema_extra: dict[str, Any] = {"required": sorted(required)}
    config = ConfigDict(extra="forbid", json_schema_extra=schema_extra)
    columns: dict[str, Any] = {field: (types.get(field, Text), None) for field in fields}
    return create_model(name, __config__=config, __doc__=doc, **columns)


def bulk_body(name: str, item: type[BaseModel]) -> Any:
    """``{"items": [...]}``. The item limit is a setting, so it is checked per request."""
    items = (list[item], ...)  # type: ignore[valid-type]  # a class known at run time only
    return create_model(name, __config__=ConfigDict(extra="forbid"), items=items)


# A database OFFSET is a bigint; far below it, no list is that long.
MAX_OFFSET = 2**31 - 1


class PageIn(Schema):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class PageOut(Schema):
    count: int
    limit: int
    offset: int


def page_of(
    rows: QuerySet[Any], page: PageIn, serialize: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    items = [serialize(row) for row in rows[page.offset : page.offset + page.limit]]
    return {"count": rows.count(), "limit": page.limit, "offset": page.offset, "items": items}


# --- the caller, bulk limits and all-or-nothing writes -----------------------------------


def creditor_of(request: HttpRequest) -> Creditor:
    api_key: ApiKey = request.auth  # type: ignore[attr-defined]  # ninja sets it (API_KEY_AUTH)
    return api_key.creditor


def actor_of(request: HttpRequest) -> str:
    """How audit events name the caller: the key's prefix, never its secret."""
    return f"api:{request.auth.prefix}"  # type: ignore[attr-defined]  # ninja sets it (API_KEY_AUTH)


def check_bulk_size(items: list[Any]) -> None:
    limit = settings.API_BULK_MAX_ITEMS
    if len(items) > limit:
        raise Problem(
            413,
            "Too many items",
            f"The request has {len(items)} items; send at most {limit} per request. "
            "Nothing was written.",
            kind="too-many-items",
            errors=[field_error(["items"], f"has {len(items)} items, more than {limit}")],
        )


def _row_path(line: int | str) -> list[str | int]:
    """Bulk endpoints write ``items[3]`` where an import writes a line number."""
    if isinstance(line, str) and line.startswith("items["):
        return ["items", int(line[len("items[") : -1])]
    return []


def cleaned_chunks(
    items: list[Any], clean: Callable[..., Any], defaults: Defaults, outcome: Outcome
) -> Iterator[list[tuple[int | str, Any]]]:
    """Clean every item, keeping every error, and hand on the good ones a chunk at a time."""
    chunk: list[tuple[int | str, Any]] = []
    for index, item in enumerate(items):
        line = f"items[{index}]"
        try:
            chunk.append((line, clean(item.model_dump(), defaults)))
        except RowErrors as problem:
            for error in problem.errors:
                outcome.error(line, error)
            continue
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def outcome_problem(outcome: Outcome) -> Problem:
    errors = [
        field_error([*_row_path(error.line), error.field], error.message)
        for error in outcome.errors
    ]
    if outcome.counts[CONFLICTS] == len(errors):
        return Problem(
            409,
            "Conflict with a recorded payment",
            "A payment with this external_id was already recorded with other details; "
            "nothing was written.",
            kind="conflict",
            errors=errors,
        )
    return invalid(errors)


IdempotencyKey = Annotated[str | None, Header(None, alias="Idempotency-Key", max_length=255)]
IDEMPOTENCY_DOC = (
    "With an Idempotency-Key header, the same key and body get the first answer again "
    "(header Idempotent-Replayed: true); the same key with another body is a 422."
)
Answer = tuple[int, dict[str, Any]]


def _fingerprint(request: HttpRequest, payload: BaseModel) -> str:
    body = json.dumps(payload.model_dump(exclude_none=True), sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(
    creditor: Creditor, key: str, fingerprint: str, response: HttpResponse
) -> Status | None:
    record = IdempotencyRecord.objects.filter(creditor=creditor, key=key).first()
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise Problem(
            422,
            "Idempotency key already used",
            f"The Idempotency-Key '{key}' was already used for another request; "
            "send a new key with a new request.",
            kind="idempotency-key-reused",
            errors=[{"field": "Idempotency-Key", "detail": "was used for another request"}],
        )
    response["Idempotent-Replayed"] = "true"
    return Status(record.status_code, record.response)


def commit(
    request: HttpRequest,
    response: HttpResponse,
    write: Callable[[Outcome], None],
    answer: Callable[[Outcome], Answer],
    *,
    payload: BaseModel | None = None,
    idempotency_key: str | None = None,
) -> Status:
    """``write``, then ``answer`` (status, body) if it found no error, in one transaction.

    With an idempotency key the answer is stored in that same transaction, so a
    retry after any failure either finds it or finds nothing written.
    """
    key = idempotency_key
    creditor = creditor_of(request)
    fingerprint = _fingerprint(request, payload) if key and payload is not None else ""
    if key and (replay := _replay(creditor, key, fingerprint, response)):
        return replay
    answers: list[Answer] = []

    def run(outcome: Outcome) -> None:
        write(outcome)
        if outcome.errors:
            return
        status, body = answer(outcome)
        # Stored and sent in the same JSON form, so a replay is the same answer.
        body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        answers.append((status, body))
        if key:
            IdempotencyRecord.objects.create(
                creditor=creditor,
                key=key,
                request_hash=fingerprint,
                status_code=status,
                response=body,
            )

    try:
        outcome = run_in_transaction(run, dry_run=False)
    except IntegrityError:
        # A concurrent request with the same key committed first: answer as it did.
        if key and (replay := _replay(creditor, key, fingerprint, response)):
            return replay
        raise
    if outcome.errors:
        raise outcome_problem(outcome)
    return Status(*answers[0])
