"""``recaudo rules check|show``: ask the contact rules from the command line.

``check`` reads one JSON object per line on stdin and writes one JSON line per
input line on stdout, so it can sit in a pipe. A bad line gets an ``error``
line naming what is wrong and where; the rest still run, and the command
exits 1 at the end.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recaudo.channels import CHANNEL_NAMES
from recaudo.compliance.describe import describe
from recaudo.compliance.packs import get_pack, has_own_pack
from recaudo.compliance.rules import Decision, PastContact, check_contact
from recaudo.compliance.windows import zone
from recaudo.countries import is_country_code

INPUT_FIELDS = ("country", "timezone", "channel", "at", "history", "opted_out", "notice")


class BadLine(ValueError):
    """An input line that cannot be checked; the message names the field."""


class Command(BaseCommand):
    help = "Check contacts against the contact rules (JSON lines on stdin) or show a pack."
    # A pure query over packs: it needs no database and must answer in a pipe
    # even while another app's models are mid-change.
    requires_system_checks: list[str] = []
    # call_command(..., stdin=...) in tests; the console otherwise.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "check",
            help='read {"country", "channel", "at", ...} JSON lines on stdin; '
            "write a decision per line",
        )
        show = actions.add_parser("show", help="print a country's rules and their sources")
        show.add_argument("country", help="ISO 3166-1 alpha-2 code, e.g. CO")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "show":
            self._show(options["country"])
        else:
            self._check(options.get("stdin") or sys.stdin)

    def _show(self, country: str) -> None:
        code = country.strip().upper()
        if not is_country_code(code):
            raise CommandError(f"unknown country '{country}': not an ISO 3166-1 alpha-2 code")
        for line in describe(get_pack(code)):
            self.stdout.write(line)

    def _check(self, stdin: TextIO) -> None:
        bad = 0
        total = 0
        for number, line in enumerate(stdin, start=1):
            total += 1
            try:
                output = decision_json(check_line(line))
            except BadLine as error:
                bad += 1
                output = {"error": f"line {number}: {error}"}
            self.stdout.write(json.dumps(output, ensure_ascii=False))
            # A consumer reading a pipe line by line needs each answer now.
            self.stdout.flush()
        if bad:
            raise CommandError(f"{bad} of {total} lines could not be checked", returncode=1)


def decision_json(decision: Decision) -> dict[str, Any]:
    moment = decision.next_allowed_at
    return {
        "allowed": decision.allowed,
        "reasons": list(decision.reasons),
        "next_allowed_at": moment.astimezone(UTC).isoformat() if moment else None,
    }


def parse_moment(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise BadLine(f"{where}: not an ISO 8601 datetime with offset")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadLine(f"{where}: not an ISO 8601 datetime with offset") from None
    if moment.tzinfo is None:
        raise BadLine(f"{where}: not an ISO 8601 datetime with offset (no UTC offset)")
    return moment


def _known_channel(value: Any, where: str) -> str:
    """A channel name from ``recaudo.channels``: a typo in an opt-out or the
    history must fail the line, never silently allow the contact."""
    if value not in CHANNEL_NAMES:
        raise BadLine(
            f"{where}: unknown channel {value!r}; expected one of {', '.join(CHANNEL_NAMES)}"
        )
    return str(value)


def check_line(line: str) -> Decision:
    """The decision for one input line; ``BadLine`` naming the field if it is malformed."""
    if not line.strip():
        raise BadLine("empty line; expected a JSON object")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadLine(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(data, dict):
        raise BadLine("expected a JSON object")
    unknown = sorted(set(data) - set(INPUT_FIELDS))
    if unknown:
        raise BadLine(f"{unknown[0]}: unknown field; expected {', '.join(INPUT_FIELDS)}")

    country = data.get("country")
    if not isinstance(country, str) or not is_country_code(country.strip().upper()):
        raise BadLine(f"country: {country!r} is not an ISO 3166-1 alpha-2 code")
    pack = get_pack(country)
    timezone = data.get("timezone")
    if timezone is None:
        if not has_own_pack(country):
            raise BadLine(f"timezone: required for {country.upper()}, which has no pack of its own")
        timezone = pack.timezone
    if not isinstance(timezone, str):
        raise BadLine(f"timezone: expected an IANA zone name, got {timezone!r}")
    try:
        zone(timezone)
    except ValueError as error:
        raise BadLine(f"timezone: {error}") from None

    channel = data.get("channel")
    if not isinstance(channel, str):
        raise BadLine(f"channel: expected a channel name, got {channel!r}")
    at = parse_moment(data.get("at"), "at")

    history_data = data.get("history", [])
    if not isinstance(history_data, list):
        raise BadLine('history: expected a list of {"channel", "at"[, "conversation"]} objects')
    history: list[PastContact] = []
    for index, item in enumerate(history_data):
        if (
            not isinstance(item, dict)
            or not {"channel", "at"} <= set(item) <= {"channel", "at", "conversation", "notice"}
            or not isinstance(item.get("notice", False), bool)
        ):
            raise BadLine(
                f"history[{index}]: expected an object with channel and at "
                "(and conversation, notice)"
            )
        _known_channel(item["channel"], f"history[{index}].channel")
        conversation = item.get("conversation", False)
        if not isinstance(conversation, bool):
            raise BadLine(f"history[{index}].conversation: expected true or false")
        history.append(
            PastContact(
                item["channel"],
                parse_moment(item["at"], f"history[{index}].at"),
                notice=item.get("notice", False),
                conversation=conversation,
            )
        )

    opted_out_data = data.get("opted_out", [])
    if opted_out_data == "all":
        opted_out: frozenset[str] | Literal["all"] = "all"
    elif isinstance(opted_out_data, list):
        opted_out = frozenset(
            _known_channel(item, f"opted_out[{index}]")
            for index, item in enumerate(opted_out_data)
        )
    else:
        raise BadLine('opted_out: expected a list of channels or "all"')
    notice = data.get("notice", False)
    if not isinstance(notice, bool):
        raise BadLine(f"notice: expected true or false, got {notice!r}")
    return check_contact(
        pack,
        timezone=timezone,
        channel=channel,
        at=at,
        history=history,
        opted_out=opted_out,
        notice=notice,
    )
