"""DSN (RFC 3464) and ARF (RFC 5965) reports read into bounces and complaints."""

from __future__ import annotations

import email.policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from recaudo.delivery.channels.mail_reports import MailReport, read_reports, report_type

SAMPLES = Path(__file__).parent / "mail_samples"


def sample(name: str, outreach: int = 12) -> bytes:
    return (SAMPLES / name).read_bytes().replace(b"{OUTREACH}", str(outreach).encode())


def parsed(raw: bytes):
    return BytesParser(policy=email.policy.default).parsebytes(raw)


def test_a_postfix_bounce_is_a_hard_bounce_of_the_recipient_that_invalidates_it():
    [report] = read_reports(parsed(sample("dsn_hard_5_1_1.eml")))

    assert report == MailReport(
        kind="hard",
        recipient="lucia.rojas@example.net",
        status="5.1.1",
        action="failed",
        diagnostic="smtp; 550 5.1.1 <lucia.rojas@example.net>: Recipient address rejected: "
        "User unknown in virtual mailbox table",
        original_message_id="<outreach-12-1@recaudo.test>",
        reporting_mta="mail.recaudo.test",
    )
    assert report.invalidates_address


def test_a_delay_notice_is_a_soft_bounce_with_the_original_from_message_rfc822():
    [report] = read_reports(parsed(sample("dsn_delayed_4_2_2.eml")))

    assert (report.kind, report.status, report.action) == ("soft", "4.2.2", "delayed")
    assert report.original_message_id == "<outreach-12-1@recaudo.test>"
    assert not report.invalidates_address


def test_an_abuse_feedback_report_is_a_complaint_by_its_original_recipient():
    message = parsed(sample("arf_abuse.eml"))

    assert report_type(message) == "feedback-report"
    assert read_reports(message) == [
        MailReport(
            kind="complaint",
            recipient="lucia.rojas@example.net",
            action="abuse",
            original_message_id="<outreach-12-1@recaudo.test>",
            reporting_mta="mail.example.net",
        )
    ]


@pytest.mark.parametrize(
    ("status", "invalidates"),
    [
        ("5.1.1", True),
        ("5.1.2", True),
        ("5.1.10", True),
        ("5.2.1", True),
        ("5.4.4", True),
        ("5.2.2", False),  # mailbox full
        ("5.7.1", False),  # refused by policy (spam, DMARC): the address exists
        ("5.3.4", False),  # message too big
    ],
)
def test_only_permanent_failures_about_the_address_invalidate_it(status, invalidates):
    raw = sample("dsn_hard_5_1_1.eml").replace(b"Status: 5.1.1", f"Status: {status}".encode())

    [report] = read_reports(parsed(raw))

    assert (report.kind, report.status) == ("hard", status)
    assert report.invalidates_address is invalidates


def test_a_failed_action_with_a_temporary_status_is_soft():
    raw = sample("dsn_hard_5_1_1.eml").replace(b"Status: 5.1.1", b"Status: 4.4.7")

    [report] = read_reports(parsed(raw))

    assert (report.kind, report.status, report.action) == ("soft", "4.4.7", "failed")


def test_a_delivered_notice_and_ordinary_mail_are_not_bounces():
    delivered = sample("dsn_hard_5_1_1.eml").replace(b"Action: failed", b"Action: delivered")
    ordinary = b"From: ana@example.net\r\nTo: x@recaudo.test\r\nSubject: hola\r\n\r\nYa pague.\r\n"

    assert read_reports(parsed(delivered)) == []
    assert report_type(parsed(ordinary)) == ""
    assert read_reports(parsed(ordinary)) == []


def test_a_not_spam_feedback_is_not_a_complaint():
    raw = sample("arf_abuse.eml").replace(b"Feedback-Type: abuse", b"Feedback-Type: not-spam")

    assert read_reports(parsed(raw)) == []
