"""The planner against a real database (SQLite by default, PostgreSQL in make test-postgres)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from recaudo.compliance.rules import check_contact
from recaudo.compliance.store import pack_for
from recaudo.outreach.models import Outreach, OutreachDebt, PlannerRun
from recaudo.outreach.planner import plan
from recaudo.policies.models import Policy, Segment, Step
from recaudo.portfolio.models import ChannelConsent, ContactPoint, Debt
from tests.factories import make_creditor, make_debt, make_debtor

DAY = date(2026, 11, 24)  # a Tuesday, no holiday in Colombia
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def _debtor(creditor, *, whatsapp=False, email=True, authorised=True, **overrides):
    """A debtor with a phone and an email; Colombia needs an authorisation per channel."""
    debtor = make_debtor(creditor, phone="+573001234567", **overrides)
    phone = debtor.contact_points.get(kind="phone")
    channels = ["sms", "rcs", "call"] if authorised else []
    if whatsapp:
        channels.append("whatsapp")
    if email:
        address = ContactPoint.objects.create(
            debtor=debtor,
            kind="email",
            value=f"{debtor.external_id.lower()}@example.com",
            channels=["email"],
        )
        if authorised:
            _consent(address, "email")
    for channel in channels:
        _consent(phone, channel)
    return debtor


def _consent(point, channel):
    ChannelConsent.objects.create(
        contact_point=point, channel=channel, source="contrato", granted_at=NOW
    )


def _due(debtor, days_from_day: int, amount: str = "100000.00", **overrides) -> Debt:
    """A debt due ``days_from_day`` days after DAY (negative: already past due)."""
    return make_debt(debtor, amount, due_on=DAY + timedelta(days=days_from_day), **overrides)


def _plan(day=DAY, **kwargs):
    return plan(day, now=NOW, **kwargs)


def test_a_debt_due_in_a_week_gets_one_reminder_by_rcs_then_sms_when_whatsapp_has_no_opt_in(
    creditor,
):
    debtor = _debtor(creditor)
    debt = _due(debtor, 7)

    result = _plan()

    outreach = Outreach.objects.get()
    assert outreach.debtor == debtor
    assert outreach.template_key == "reminder_before"
    # The default policies try RCS before SMS; a phone without RCS falls back to SMS.
    assert outreach.channel == "rcs"
    assert outreach.fallback_channels == ["sms", "email"]
    assert outreach.contact_point.kind == "phone"
    assert outreach.tone == "preventive"
    assert outreach.amount_due == Decimal("100000.00")
    assert outreach.currency == "COP"
    assert list(outreach.debt_links.values_list("debt_id", flat=True)) == [debt.pk]
    assert result.created == 1
    assert result.by_segment_channel == {("Personas", "rcs"): 1}


def test_whatsapp_comes_first_for_a_debtor_who_opted_in(creditor):
    debtor = _debtor(creditor, whatsapp=True)
    _due(debtor, 0)

    _plan()

    outreach = Outreach.objects.get()
    assert (outreach.channel, outreach.template_key) == ("whatsapp", "due_today")
    assert outreach.fallback_channels == ["rcs", "sms", "email"]


def test_three_invoices_due_the_same_day_make_one_message_about_all_three(creditor):
    debtor = _debtor(creditor)
    debts = [_due(debtor, -1, amount) for amount in ("10000.00", "20000.50", "30000.25")]

    _plan()

    outreach = Outreach.objects.get()
    assert outreach.template_key == "overdue_early"
    assert outreach.amount_due == Decimal("60000.75")
    assert set(outreach.debt_links.values_list("debt_id", flat=True)) == {d.pk for d in debts}


def test_a_partly_paid_debt_is_planned_for_what_is_still_owed(creditor):
    debtor = _debtor(creditor)
    _due(debtor, 7, "100000.00", amount_paid=Decimal("40000.00"))

    _plan()

    link = OutreachDebt.objects.get()
    assert link.balance == Decimal("60000.00")
    assert link.outreach.amount_due == Decimal("60000.00")


def test_running_the_planner_again_the_same_day_creates_nothing(creditor):
    debtor = _debtor(creditor)
    _due(debtor, 7)
    _due(debtor, -14)

    first = _plan()
    second = _plan()

    # One message for both steps, the other step recorded as covered by it.
    assert (first.created, first.covered) == (1, 1)
    assert second.created == 0
    assert second.covered == 0
    assert second.already_planned == 2
    assert Outreach.objects.count() == 2
    assert PlannerRun.objects.filter(creditor=creditor, run_on=DAY).count() == 2


@pytest.mark.parametrize(
    "status", [Debt.Status.PAID, Debt.Status.DISPUTED, Debt.Status.IN_ARRANGEMENT]
)
def test_paid_disputed_and_arranged_debts_are_not_planned(creditor, status):
    debtor = _debtor(creditor)
    _due(debtor, 7, status=status)

    result = _plan()

    assert result.created == 0
    assert not Outreach.objects.exists()


def test_a_debtor_opted_out_of_every_contact_point_is_not_contacted(creditor):
    debtor = _debtor(creditor, whatsapp=True)
    debtor.contact_points.update(opted_out_at=NOW)
    _due(debtor, 0)

    result = _plan()

    assert not Outreach.objects.exists()
    assert result.skipped == {"no_usable_channel": 1}


def test_an_invalid_phone_is_skipped_and_email_is_used(creditor):
    debtor = _debtor(creditor, whatsapp=True)
    debtor.contact_points.filter(kind="phone").update(invalid_since=NOW)
    _due(debtor, 0)

    _plan()

    outreach = Outreach.objects.get()
    assert outreach.channel == "email"
    assert outreach.fallback_channels == []


def test_in_colombia_a_channel_the_debtor_never_authorised_is_not_used(creditor):
    debtor = _debtor(creditor, authorised=False)
    _due(debtor, 0)

    result = _plan()

    assert not Outreach.objects.exists()
    assert result.skipped == {"no_usable_channel": 1}


def test_in_mexico_rcs_and_sms_need_no_prior_authorisation_but_whatsapp_does():
    creditor = make_creditor(country="MX", default_currency="MXN")
    debtor = _debtor(creditor, authorised=False, country="MX", timezone="America/Mexico_City")
    _due(debtor, 0)

    _plan()

    outreach = Outreach.objects.get()
    assert outreach.channel == "rcs"
    assert outreach.fallback_channels == ["sms", "email"]


def test_a_revoked_whatsapp_consent_is_not_used(creditor):
    debtor = _debtor(creditor, whatsapp=True)
    ChannelConsent.objects.filter(contact_point__debtor=debtor, channel="whatsapp").update(
        revoked_at=NOW
    )
    _due(debtor, 0)

    _plan()

    assert Outreach.objects.get().channel == "rcs"


def test_a_company_gets_formal_email_only_even_with_a_whatsapp_opt_in(creditor):
    company = _debtor(creditor, whatsapp=True, kind="company", full_name="Ferretería Sol S.A.S.")
    _due(company, -7)

    result = _plan()

    outreach = Outreach.objects.get()
    assert (outreach.channel, outreach.template_key) == ("email", "b2b_overdue")
    assert result.by_segment_channel == {("Empresas", "email"): 1}


def test_a_call_task_is_created_at_thirty_days(creditor):
    debtor = _debtor(creditor)
    _due(debtor, -30)

    _plan()

    outreach = Outreach.objects.get()
    assert (outreach.action, outreach.channel) == ("call_task", "call")


def test_the_send_window_is_allowed_by_the_country_rules_in_local_time(creditor):
    debtor = _debtor(creditor)
    _due(debtor, 7)

    _plan()

    outreach = Outreach.objects.get()
    pack = pack_for(creditor.pk, "CO")
    decision = check_contact(
        pack, timezone="America/Bogota", channel="sms", at=outreach.window_start
    )
    assert decision.allowed, decision.reasons
    local = outreach.window_start.astimezone(debtor_zone())
    assert local.date() == DAY
    assert outreach.window_end > outreach.window_start
    assert outreach.window_end.astimezone(debtor_zone()).date() == DAY


def debtor_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Bogota")


def test_two_steps_for_one_debtor_the_same_day_make_one_message_the_most_urgent_leads(creditor):
    debtor = _debtor(creditor)
    upcoming = _due(debtor, 7)  # the -7 reminder
    overdue = _due(debtor, -1)  # the +1 notice

    _plan()

    message = Outreach.objects.get(status="planned")
    covered = Outreach.objects.get(status="covered")
    assert (message.template_key, message.step.offset_days, message.tone) == (
        "overdue_early",
        1,
        "early",
    )
    assert message.anchor_due_on == overdue.due_on
    assert set(message.debt_links.values_list("debt_id", flat=True)) == {upcoming.pk, overdue.pk}
    assert message.amount_due == Decimal("200000.00")
    assert (covered.template_key, covered.step.offset_days) == ("reminder_before", -7)
    assert covered.covered_by == message
    assert list(covered.debt_links.values_list("debt_id", flat=True)) == [upcoming.pk]
    assert (covered.window_start, covered.channel) == (message.window_start, message.channel)
    pack = pack_for(creditor.pk, "CO")
    decision = check_contact(
        pack,
        timezone="America/Bogota",
        channel=message.channel,
        at=message.window_start,
        history=[],
    )
    assert decision.allowed, decision.reasons
    assert message.window_start.date() == DAY


def test_after_missed_days_only_the_latest_missed_step_is_planned_once(creditor):
    debtor = _debtor(creditor)
    # Due two days before DAY: the due-date step fell on DAY-2 and +1 on DAY-1.
    _due(debtor, -2)
    PlannerRun.objects.create(
        creditor=creditor,
        run_on=DAY - timedelta(days=3),
        started_at=NOW,
        finished_at=NOW,
        outreach_created=0,
    )

    _plan()
    _plan(DAY + timedelta(days=1))

    outreach = Outreach.objects.get()
    assert outreach.template_key == "overdue_early"
    assert outreach.step.offset_days == 1
    assert outreach.planned_on == DAY


def test_without_missed_days_a_late_step_is_not_planned(creditor):
    debtor = _debtor(creditor)
    _due(debtor, -2)
    PlannerRun.objects.create(
        creditor=creditor,
        run_on=DAY - timedelta(days=1),
        started_at=NOW,
        finished_at=NOW,
        outreach_created=0,
    )

    result = _plan()

    assert result.created == 0


def test_a_creditors_own_segment_replaces_the_defaults(creditor):
    policy = Policy.objects.create(creditor=creditor, code="suave", name="Suave")
    Step.objects.create(
        policy=policy,
        offset_days=3,
        action="message",
        channels=["email"],
        template_key="overdue_early",
        tone="early",
    )
    Segment.objects.create(creditor=creditor, name="Todos", is_default=True, policy=policy)
    debtor = _debtor(creditor, whatsapp=True)
    _due(debtor, -3)
    _due(debtor, -1)  # the default +1 step is not in this creditor's policy

    result = _plan()

    outreach = Outreach.objects.get()
    assert (outreach.channel, outreach.step.policy) == ("email", policy)
    assert result.by_segment_channel == {("Todos", "email"): 1}


def test_a_segment_by_balance_sends_large_debts_to_their_own_policy(creditor):
    gentle = Policy.objects.create(creditor=creditor, code="general", name="General")
    firm = Policy.objects.create(creditor=creditor, code="alto", name="Saldo alto")
    for policy, channel in ((gentle, "email"), (firm, "sms")):
        Step.objects.create(
            policy=policy,
            offset_days=1,
            action="message",
            channels=[channel],
            template_key="overdue_early",
            tone="early",
        )
    Segment.objects.create(
        creditor=creditor, name="Alto", position=1, min_balance=Decimal("1000000"), policy=firm
    )
    Segment.objects.create(creditor=creditor, name="Resto", is_default=True, policy=gentle)
    big, small = _debtor(creditor), _debtor(creditor)
    _due(big, -1, "1500000.00")
    _due(small, -1, "150000.00")

    _plan()

    assert Outreach.objects.get(debtor=big).channel == "sms"
    assert Outreach.objects.get(debtor=small).channel == "email"


def test_a_dry_run_reports_the_plan_and_writes_nothing(creditor):
    debtor = _debtor(creditor)
    _due(debtor, 7)

    result = _plan(dry_run=True)

    assert result.created == 1
    assert not Outreach.objects.exists()
    assert not PlannerRun.objects.exists()
    assert result.summary_lines()[0] == (
        "2026-11-24: would plan 1 contacts for 1 debtors with steps due"
    )


def test_one_creditors_plan_never_touches_another_creditors_debtors(creditor):
    other = make_creditor()
    _due(_debtor(creditor), 7)
    _due(_debtor(other), 7)

    _plan(creditor=creditor)

    assert set(Outreach.objects.values_list("creditor_id", flat=True)) == {creditor.pk}


def test_debtors_in_other_time_zones_get_windows_in_their_own_hours():
    creditor = make_creditor(country="MX", default_currency="MXN")
    debtor = _debtor(creditor, country="MX", timezone="America/Tijuana")
    _due(debtor, 7)

    _plan()

    from zoneinfo import ZoneInfo

    outreach = Outreach.objects.get()
    local = outreach.window_start.astimezone(ZoneInfo("America/Tijuana"))
    assert local.date() == DAY
    pack = pack_for(creditor.pk, "MX")
    assert check_contact(
        pack, timezone="America/Tijuana", channel=outreach.channel, at=outreach.window_start
    ).allowed


def test_deleting_a_debt_or_a_contact_point_updates_the_planned_contacts(creditor):
    debtor = _debtor(creditor)
    debt = _due(debtor, 7)
    _plan()
    outreach = Outreach.objects.get()

    debt.delete()
    outreach.contact_point.delete()

    outreach.refresh_from_db()
    assert outreach.contact_point_id is None
    assert not OutreachDebt.objects.filter(debt_id=debt.pk).exists()


def test_a_withdrawn_consent_takes_the_channel_off_even_where_the_country_needs_none():
    creditor = make_creditor(country="MX", default_currency="MXN")
    debtor = _debtor(creditor, authorised=False, country="MX", timezone="America/Mexico_City")
    phone = debtor.contact_points.get(kind="phone")
    ChannelConsent.objects.create(
        contact_point=phone, channel="sms", source="contrato", granted_at=NOW, revoked_at=NOW
    )
    _due(debtor, 0)

    _plan()

    # SMS is off that phone; RCS is another channel, which the debtor did not stop.
    outreach = Outreach.objects.get()
    assert outreach.channel == "rcs"
    assert outreach.fallback_channels == ["email"]


def test_a_debt_with_a_pending_promise_to_pay_is_not_reminded(creditor):
    from recaudo.payments.models import Promise

    debtor = _debtor(creditor)
    promised = _due(debtor, -1)
    other = _due(debtor, -7)
    promise = Promise.objects.create(
        creditor=creditor,
        debtor=debtor,
        amount=promised.amount,
        currency=promised.currency,
        promised_on=DAY + timedelta(days=3),
    )
    promise.debts.add(promised)

    _plan()

    outreach = Outreach.objects.get()
    assert list(outreach.debt_links.values_list("debt_id", flat=True)) == [other.pk]


def test_a_debtor_in_a_country_without_a_pack_is_planned_in_strictest_hours_of_its_phones_zone():
    from zoneinfo import ZoneInfo

    from recaudo.compliance.packs import get_pack
    from recaudo.portfolio.rules import timezone_for

    creditor = make_creditor(country="EC", default_currency="USD")
    zone = timezone_for("EC", "+59899123456")  # a Uruguayan mobile
    debtor = _debtor(creditor, country="EC", timezone=zone)
    debtor.contact_points.filter(kind="phone").update(value="+59899123456")
    _due(debtor, 7, amount="100.00")

    _plan()

    assert zone == "America/Montevideo"
    outreach = Outreach.objects.get()
    local_start = outreach.window_start.astimezone(ZoneInfo(zone))
    local_end = outreach.window_end.astimezone(ZoneInfo(zone))
    assert local_start.date() == DAY and local_start.weekday() < 5
    assert local_start.hour >= 9 and (local_end.hour, local_end.minute) <= (18, 0)
    assert get_pack("EC").generic
    assert check_contact(
        pack_for(creditor.pk, "EC"), timezone=zone, channel=outreach.channel,
        at=outreach.window_start,
    ).allowed  # fmt: skip


def _planned_rows() -> tuple[list[tuple], list[tuple]]:
    """Every planned contact and its debts, without the ids the write happened to take."""
    fields = [
        f.attname
        for f in Outreach._meta.concrete_fields
        if f.attname not in {"id", "updated_at", "covered_by_id"}
    ]
    # A covered step's message named by its step and due date, not by its id.
    fields += ["covered_by__step_id", "covered_by__anchor_due_on"]
    rows = sorted(Outreach.objects.values_list(*fields))
    links = sorted(
        OutreachDebt.objects.values_list(
            "outreach__debtor_id",
            "outreach__step_id",
            "outreach__anchor_due_on",
            "debt_id",
            "balance",
        )
    )
    return rows, links


def _plan_and_roll_back(chunk_debtors: int):
    """Plan DAY in chunks of ``chunk_debtors`` debtors; report the result and rows, keep nothing."""

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            result = _plan(chunk_debtors=chunk_debtors)
            rows = _planned_rows()
            raise Undo
    except Undo:
        pass
    return result, rows


@pytest.mark.parametrize("chunk_debtors", [1, 3])
def test_planning_in_chunks_of_debtors_writes_exactly_the_rows_of_planning_in_one(
    creditor, chunk_debtors
):
    mexico = make_creditor(country="MX", default_currency="MXN")
    debtors = [
        _debtor(creditor, whatsapp=True),
        _debtor(creditor, kind="company", whatsapp=True),
        _debtor(creditor, authorised=False, email=False),  # no usable channel
        _debtor(creditor),
        _debtor(creditor, email=False),
        _debtor(mexico, country="MX", timezone="America/Tijuana"),
        _debtor(mexico, country="MX", timezone="America/Mexico_City", whatsapp=True),
        _debtor(creditor),
    ]
    for number, debtor in enumerate(debtors):
        _due(debtor, 7, amount=f"{1000 + number}.50")
        _due(debtor, -1)  # a second contact the same day: placed after the first
        _due(debtor, 6)  # reminded yesterday: history for today's placement
        if number % 2:
            _due(debtor, 7, amount="5.25")  # grouped with the first into one message
        if number % 3 == 0:
            _due(debtor, -30)  # a call task
    _due(_debtor(creditor), 40)  # a debt with no step due: not a candidate
    _plan(DAY - timedelta(days=1))
    already = Outreach.objects.filter(
        debtor=debtors[0], planned_on=DAY - timedelta(days=1), anchor_due_on=DAY + timedelta(days=6)
    )
    assert already.count() == 1
    already.update(anchor_due_on=DAY + timedelta(days=7))  # as if today's step were planned

    chunked, chunked_rows = _plan_and_roll_back(chunk_debtors)
    whole, whole_rows = _plan_and_roll_back(10_000)

    assert whole.chunks == 2  # one per creditor
    # Six candidate debtors in Colombia, two in Mexico.
    assert chunked.chunks == -(-6 // chunk_debtors) + -(-2 // chunk_debtors)
    assert chunked_rows == whole_rows
    assert len(whole_rows[0]) > len(debtors)
    assert (chunked.created, chunked.debtors_considered, chunked.already_planned) == (
        whole.created,
        whole.debtors_considered,
        whole.already_planned,
    )
    assert chunked.skipped == whole.skipped
    assert whole.skipped["no_usable_channel"] > 0
    assert whole.already_planned == 1
    assert chunked.by_segment_channel == whole.by_segment_channel
