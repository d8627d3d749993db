"""What may reach a log: no bearer tokens, phone numbers, email addresses or query values.

Payment-portal (``/p/<token>``) and unsubscribe (``/u/<token>``) links are
bearer credentials: whoever reads an access log could pay, plan or opt out
for the debtor. Phones and emails are personal data. ``RedactingFilter`` is
installed on every handler in ``settings.LOGGING`` (and the ``django.server``
and ``django.request`` loggers write through those handlers), so whatever a
library logs (runserver's access lines, Django's "Not Found: /p/…", httpx's
"HTTP Request: GET …?address=%2B57…") is redacted before it is written.
See docs/security.md, "Logs".
"""

from __future__ import annotations

import logging
import re

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


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


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
        return True
