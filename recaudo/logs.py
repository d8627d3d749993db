"""What may reach a log: no bearer tokens, phone numbers, email addresses or query values.

Payment-portal (``/p/<token>``) and unsubscribe (``/u/<token>``) links are
bearer credentials: whoever reads an access log could pay, plan or opt out
for the debtor. Phones and emails are personal data. ``RedactingFilter`` is
installed on every handler in ``settings.LOGGING`` (and the ``django.server``
and ``django.request`` loggers write through those handlers), so whatever a
library logs (runserver's access lines, Django's "Not Found: /p/…", httpx's
"HTTP Request: GET …?address=%2B57…") is redacted before it is written.
See docs/security.md, "Logs".

``LOG_FORMAT=json`` writes one JSON object per line (``JsonFormatter``):
time (UTC, ISO 8601), level, logger, message, request_id, the worker's
``worker`` and ``batch_id`` where set, any extra fields, and the exception
text. The same redaction holds there: the filter redacts extra fields too,
and the formatter redacts every string it writes. ``ContextFilter`` adds the
request or batch identifiers that ``log_context`` set for the current
request or worker batch (a context variable, so threads and requests never
see each other's). See docs/operations.md, "Metrics and logs".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REDACTED = "[redacted]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # The token after /p/ or /u/ (any path under them keeps its shape).
    (re.compile(r"(/[pu]/)[^/\s?#\"'<>]+"), rf"\1{REDACTED}"),
    # Every query value: search terms, addresses, tokens.
    (re.compile(r"([?&][^=&\s?#\"'<>]+)=[^&\s#\"'<>]*"), rf"\1={REDACTED}"),
    # Emails, also URL-encoded (name%40example.com).
    (
        re.compile(r"[\w.+%-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+", re.IGNORECASE),
        REDACTED,
    ),
    # E.164 phones, also URL-encoded (%2B57...) and with spaces or dashes.
    (re.compile(r"(?:\+|%2B)\d(?:[\s.-]?\d){6,15}", re.IGNORECASE), REDACTED),
)


# Extra fields that would carry what a debtor was sent or wrote: never written.
BODY_FIELDS = frozenset({"body", "text", "content", "rendered", "message_text"})
# What every LogRecord has; anything else on a record came from ``extra=`` or a filter.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(value: Any, *, as_text: bool = False) -> Any:
    """``redact`` applied to every string inside ``value`` (dicts, lists and tuples too).

    ``as_text``: any other object (a request, an exception) becomes its
    redacted ``str``, as a JSON line would otherwise write it unredacted.
    """
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item, as_text=as_text) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item, as_text=as_text) for item in value]
    if as_text and not (value is None or isinstance(value, bool | int | float)):
        return redact(str(value))
    return value


class RedactingFilter(logging.Filter):
    """Formats the record's message (and traceback) and redacts them; never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: keep what can be shown, redacted
            message = f"{record.msg} {record.args}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name in set(vars(record)) - _RECORD_FIELDS:
            value = getattr(record, name)
            setattr(record, name, REDACTED if name in BODY_FIELDS else redact_value(value))
        return True


_context: ContextVar[dict[str, str]] = ContextVar("recaudo_log_context")


@contextmanager
def log_context(**fields: str) -> Iterator[None]:
    """Within the block, every log record of this thread or request carries ``fields``."""
    token = _context.set({**_context.get({}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: str) -> None:
    """Add ``fields`` to the current context until ``unbind`` (for what outlives a block)."""
    _context.set({**_context.get({}), **fields})


def unbind(*names: str) -> None:
    _context.set({key: value for key, value in _context.get({}).items() if key not in names})


class ContextFilter(logging.Filter):
    """Puts the current request id (or the worker's lane and batch) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get({})
        if not hasattr(record, "request_id"):
            record.request_id = context.get("request_id")
        for name, value in context.items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id, extras, exception.

    Every string written is redacted once more, whatever path it took to the
    record (the library formats ``exc_info`` itself, past the filter's
    redacted ``exc_text``).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            "{levelname}{name}{message}{request_id}",
            style="{",
            rename_fields={
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
                "stack_info": "stack",
            },
            timestamp="time",
            json_ensure_ascii=False,
            **kwargs,
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        time = log_data.pop("time", None)
        # Django's request object (on django.request's lines): its repr says less than
        # request_id and the message already do.
        log_data.pop("request", None)
        ordered = {"time": time.isoformat() if time is not None else None, **log_data}
        return {
            key: REDACTED if key in BODY_FIELDS else redact_value(value, as_text=True)
            for key, value in ordered.items()
        }
