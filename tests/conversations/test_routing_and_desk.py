"""The inbox upgrades (issue 16): routing rules, filters and search, per-queue counts with
the SLA, the agents' load with reassignment, the debtor side panel, closed threads and the
staff user's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import override_settings

from recaudo.conversations.models import Message, RoutingRule, Thread
from recaudo.conversations.routing import Facts, Rule, first_match
from recaudo.payments.links import live_link
from recaudo.payments.models import DebtorRequest, Promise
from recaudo.payments.reports import report_debts
from recaudo.policies.models import Policy, Segment
from recaudo.portfolio.models import AuditEvent, ChannelConsent
from recaudo.roles import AGENT, CREDITOR_VIEWER, SUPERVISOR
from tests.conversations.helpers import waiting_thread
from tests.factories import make_creditor
from tests.staff.helpers import NOW, browser_of, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def _rule(id_: int, **values) -> Rule:
    fields = {"creditor_id": None, "segment_id": None, "language": "", "min_balance": None}
    fields.update(values)
    return Rule(id=id_, agent_id=values.get("agent_id", 1), team_id=None, **{
        k: v for k, v in fields.items() if k != "agent_id"
    })  # fmt: skip


def test_the_first_matching_rule_by_priority_wins_and_empty_conditions_match_anything():
    facts = Facts(creditor_id=7, segment_id=3, language="pt", balance=Decimal("500000"))
    rules = [
        _rule(1, creditor_id=8),
        _rule(2, language="es"),
        _rule(3, min_balance=Decimal("1000000")),
        _rule(4, segment_id=3, language="PT", min_balance=Decimal("500000")),
        _rule(5),
    ]

    assert first_match(rules, facts) == rules[3]
    assert first_match(rules[:3], facts) is None
    assert first_match([rules[4]], facts) == rules[4]


def test_a_handoff_goes_to_the_first_matching_rules_agent_by_creditor_language_and_balance():
    creditor, other = make_creditor(), make_creditor()
    big = staff("grandes", AGENT, creditor)
    english = staff("ingles", AGENT, creditor)
    stranger = staff("ajena", AGENT, other)
    RoutingRule.objects.create(priority=1, creditor=other, agent=stranger)
    RoutingRule.objects.create(priority=2, min_balance=Decimal("1000000"), agent=big)
    RoutingRule.objects.create(priority=3, language="en", agent=english)

    large = waiting_thread(creditor, "+573001110501", "2000000.00")
    in_english = waiting_thread(creditor, "+573001110502", "1000.00", language="en")
    neither = waiting_thread(creditor, "+573001110503", "1000.00")

    assert (large.assigned_to, large.state) == (big, "waiting_agent")
    assert in_english.assigned_to == english
    assert neither.assigned_to is None


def test_a_rule_by_segment_and_a_team_gives_it_to_the_least_busy_member_who_may_take_it():
    creditor = make_creditor()
    policy = Policy.objects.create(creditor=creditor, code="grandes", name="Grandes")
    segment = Segment.objects.create(
        creditor=creditor, name="Grandes", position=1, min_balance=Decimal("100000"), policy=policy
    )
    team = Group.objects.create(name="equipo grandes")
    busy, free = staff("ana", AGENT, creditor), staff("beto", AGENT, creditor)
    reader = staff("lectora", CREDITOR_VIEWER, creditor)
    for member in (busy, free, reader):
        member.groups.add(team)
    RoutingRule.objects.create(priority=1, segment=segment, team=team)
    first = waiting_thread(creditor, "+573001110504", "250000.00")
    assert first.assigned_to == busy  # both had none: by name
    Thread.objects.filter(pk=first.pk).update(state="with_agent")

    second = waiting_thread(creditor, "+573001110505", "250000.00")
    small = waiting_thread(creditor, "+573001110506", "5000.00")

    assert second.assigned_to == free
    assert small.assigned_to is None  # not in the segment


def test_an_inactive_agent_makes_the_rule_yield_nobody_and_the_next_rule_is_tried():
    creditor = make_creditor()
    gone = staff("se_fue", AGENT, creditor)
    gone.is_active = False
    gone.save()
    backup = staff("respaldo", AGENT, creditor)
    RoutingRule.objects.create(priority=1, agent=gone)
    RoutingRule.objects.create(priority=2, agent=backup)
    RoutingRule.objects.create(priority=0, agent=backup, active=False, language="xx")

    assert waiting_thread(creditor, "+573001110507").assigned_to == backup


def test_filters_and_search_cut_the_queue_and_closed_threads_have_their_list():
    creditor, other = make_creditor(), make_creditor()
    agent = staff("ana", SUPERVISOR)
    mine = waiting_thread(creditor, "+573001110508", full_name="Lucía Rojas")
    english = waiting_thread(creditor, "+573001110509", language="en")
    elsewhere = waiting_thread(other, "+573001110510")
    closed = waiting_thread(creditor, "+573001110511")
    Thread.objects.filter(pk=mine.pk).update(assigned_to=agent, state="with_agent")
    Thread.objects.filter(pk=closed.pk).update(state="closed")
    client = browser_of(agent)

    def listed(**query) -> set[int]:
        return {t.pk for t in client.get("/bandeja/", query).context["threads"]}

    assert listed() == {mine.pk, english.pk, elsewhere.pk}
    assert listed(acreedor=str(other.pk)) == {elsewhere.pk}
    assert listed(quien="mine") == {mine.pk}
    assert listed(quien="unassigned") == {english.pk, elsewhere.pk}
    assert listed(idioma="en") == {english.pk}
    assert listed(estado="with_agent") == {mine.pk}
    assert listed(q="lucía") == {mine.pk}
    assert listed(q="+573001110509") == {english.pk}
    assert listed(estado="closed") == {closed.pk}
    assert listed(acreedor="x", estado="nada") == {mine.pk, english.pk, elsewhere.pk}


@override_settings(INBOX_SLA_MINUTES=30)
def test_each_queue_counts_its_waiting_and_the_ones_past_the_sla_are_highlighted():
    creditor = make_creditor()
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    with time_machine.travel(NOW - timedelta(minutes=45), tick=False):
        late = waiting_thread(creditor, "+573001110512")
    recent = waiting_thread(creditor, "+573001110513")
    Thread.objects.filter(pk=recent.pk).update(handed_off_at=NOW - timedelta(minutes=10))
    disputed = waiting_thread(creditor, "+573001110514")
    Thread.objects.filter(pk=disputed.pk).update(
        handoff_reason="dispute", urgency=1, state="with_agent",
        handed_off_at=NOW - timedelta(hours=2),
    )  # fmt: skip

    page = client.get("/bandeja/")

    counts = [
        (c.reason, c.waiting, c.with_agent, c.oldest_minutes, c.overdue)
        for c in page.context["counts"]
    ]
    assert counts == [("human", 2, 0, 45, 1), ("dispute", 0, 1, 120, 0)]
    overdue = {thread.pk for thread, _minutes, late_ in page.context["rows"] if late_}
    assert overdue == {late.pk}
    assert f'class="queue-row overdue" data-thread="{late.pk}"' in page.content.decode()


def test_a_supervisor_sees_agents_load_and_reassigns_audited_and_agents_may_not():
    creditor, other = make_creditor(), make_creditor()
    supervisor = staff("sofia", SUPERVISOR, creditor)
    ana, beto = staff("ana", AGENT, creditor), staff("beto", AGENT, creditor)
    staff("carla", AGENT, other)
    thread = waiting_thread(creditor, "+573001110515")
    Thread.objects.filter(pk=thread.pk).update(assigned_to=ana, state="with_agent")
    client = browser_of(supervisor)

    loads = client.get("/bandeja/agentes/").context["loads"]
    assert [(item.agent.username, item.open) for item in loads] == [
        ("ana", 1),
        ("beto", 0),
        ("sofia", 0),
    ]

    agent_client = browser_of(ana)
    assert agent_client.get("/bandeja/agentes/").status_code == 403
    own = agent_client.post(f"/bandeja/{thread.pk}/reasignar", {"agent": ana.pk, "reason": "x"})
    assert own.status_code == 403
    client.post(f"/bandeja/{thread.pk}/reasignar", {"agent": beto.pk, "reason": " "})
    thread.refresh_from_db()
    assert thread.assigned_to == ana

    client.post(
        f"/bandeja/{thread.pk}/reasignar", {"agent": beto.pk, "reason": "ana sale de turno"}
    )

    thread.refresh_from_db()
    assert thread.assigned_to == beto
    event = AuditEvent.objects.get(kind="thread_reassigned")
    assert (event.actor, event.data) == (
        "staff:sofia",
        {"thread": thread.pk, "from": "ana", "to": "beto", "reason": "ana sale de turno"},
    )
    note = Message.objects.filter(thread=thread, kind="note").latest("pk")
    assert note.text == "sofia reasignó la conversación de ana a beto: ana sale de turno"


def test_a_conversation_cannot_be_reassigned_to_an_agent_of_another_creditor():
    creditor, other = make_creditor(), make_creditor()
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    carla = staff("carla", AGENT, other)
    thread = waiting_thread(creditor, "+573001110516")

    client.post(f"/bandeja/{thread.pk}/reasignar", {"agent": carla.pk, "reason": "prueba"})

    thread.refresh_from_db()
    assert thread.assigned_to is None
    assert not AuditEvent.objects.filter(kind="thread_reassigned").exists()


def test_the_side_panel_shows_debts_promises_the_live_link_and_consents():
    creditor = make_creditor()
    thread = waiting_thread(creditor, "+573001110517", "250000.00")
    debtor = thread.debtor
    link = live_link(debtor.pk)
    Promise.objects.create(
        creditor=creditor, debtor=debtor, amount=Decimal("90000"), currency="COP",
        promised_on=NOW.date() + timedelta(days=3),
    )  # fmt: skip
    ChannelConsent.objects.create(
        contact_point=debtor.contact_points.get(), channel="sms", source="contrato",
        granted_at=NOW,
    )  # fmt: skip
    client = browser_of(staff("ana", AGENT, creditor))

    page = client.get(f"/bandeja/{thread.pk}/")

    panel = page.context["panel"]
    assert [balance for _debt, balance in panel.debts] == ["$250.000,00"]
    assert [amount for _promise, amount in panel.promises] == ["$90.000,00"]
    assert panel.link.endswith(f"/p/{link.token}")
    text = page.content.decode()
    assert 'id="debtor-panel"' in text and "SMS (contrato)" in text


@override_settings(STAFF_TIME_ZONE="America/Mexico_City")
def test_staff_pages_speak_the_users_zone_team_zone_first_then_the_setting():
    bogota = make_creditor()
    madrid = make_creditor(agent_timezone="Europe/Madrid")
    client = browser_of(staff("ana", AGENT, madrid))
    thread = waiting_thread(madrid, "+573001110518")
    Thread.objects.filter(pk=thread.pk).update(
        handed_off_at=datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
    )

    queue = client.get("/bandeja/")
    everyone = browser_of(staff("jefa", SUPERVISOR, bogota, madrid)).get("/bandeja/")

    assert queue.context["zone"] == "Europe/Madrid"
    assert "23/11/2026 15:05" in queue.content.decode()
    assert everyone.context["zone"] == "America/Mexico_City"


def test_portal_reports_and_requests_appear_in_the_inbox_as_work_items_within_scope():
    creditor, other = make_creditor(), make_creditor()
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        debtor = waiting_thread(creditor, "+573001110519", full_name="Nora Vega").debtor
        (report,) = report_debts(
            debtor, [debtor.debts.get().pk], kind="dispute", reason="no es mía", source="portal"
        )
    asker = waiting_thread(creditor, "+573001110520", full_name="Olga Ruiz").debtor
    DebtorRequest.objects.create(
        creditor=creditor,
        debtor=asker,
        kind="extension",
        new_due_on=NOW.date() + timedelta(days=20),
    )
    stranger = waiting_thread(other, "+573001110521").debtor
    report_debts(stranger, [stranger.debts.get().pk], kind="dispute", reason="x", source="portal")
    staff_pause = waiting_thread(creditor, "+573001110522").debtor
    report_debts(
        staff_pause, [staff_pause.debts.get().pk], kind="pause", reason="viaje", source="portal",
        pause_until=NOW.date() + timedelta(days=3),
    )  # fmt: skip

    page = client.get("/bandeja/")

    items = [
        (i.kind, i.debtor_name, i.waited_minutes, i.overdue) for i in page.context["portal_items"]
    ]
    assert items == [("report", "Nora Vega", 60, True), ("request", "Olga Ruiz", 0, False)]
    text = page.content.decode()
    assert 'href="/equipo/revisiones/"' in text and 'href="/equipo/pedidos/"' in text
    assert report.status == "pending"
