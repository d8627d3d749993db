"""What the configured log handlers write, captured (for the tests that logs leak nothing)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from recaudo.logs import JsonFormatter, RedactingFilter


def configured_handlers() -> list[logging.Handler]:
    """The handlers settings.LOGGING installed (pytest's capture handlers left out)."""
    loggers = [logging.getLogger(), logging.getLogger("django.server")]
    return [
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
        and any(isinstance(f, RedactingFilter) for f in handler.filters)
    ]


@contextmanager
def written_logs() -> Iterator[io.StringIO]:
    """Everything the configured handlers write inside the block."""
    written = io.StringIO()
    handlers = configured_handlers()
    assert handlers, "settings.LOGGING installed no redacting handler"
    previous = [handler.setStream(written) for handler in handlers]  # type: ignore[attr-defined]
    try:
        yield written
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)  # type: ignore[attr-defined]


@contextmanager
def written_json_logs() -> Iterator[io.StringIO]:
    """As ``written_logs``, with the handlers formatting as ``LOG_FORMAT=json`` makes them."""
    handlers = configured_handlers()
    previous = [handler.formatter for handler in handlers]
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
    try:
        with written_logs() as written:
            yield written
    finally:
        for handler, formatter in zip(handlers, previous, strict=True):
            handler.setFormatter(formatter)
