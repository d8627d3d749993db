"""A debtor's message arrives: keep it in their thread and answer at once.

``receive(event)`` is called by ``delivery.provider_events.apply_event`` inside the
webhook's transaction, after the webhook was verified and stored. It finds
the debtor by the address, stores the message once (by the provider's id),
asks the NLU what it means (with the debtor's local date), lets ``bot.decide``
choose the answer, carries out the action (a promise, a plan offer, a
handoff, an invalid contact point) and queues the answer through the outbox
(``queue_reply``, key ``reply:<message id>``), all in the same transaction.
While the thread holds a plan offer, a short answer that picks one of its
options ("2", "la segunda", "quiero 3 cuotas") agrees that plan
(``plan_offers.answer_pick``) whatever the NLU thought it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from recaudo.channels import find_channel
from recaudo.conversations import actions, bot, choices, debt_reports, plan_offers
from recaudo.conversations.hours import agent_hours
from recaudo.conversations.models import Message, Thread
from recaudo.conversations.nlu import understand
from recaudo.conversations.offers import Menu, OfferRecord, parse_choice, plan_request_kind
from recaudo.outreach import optouts
from recaudo.outreach.contract import Event
from recaudo.outreach.models import Outreach
from recaudo.outreach.notify import queue_reply
from recaudo.payments import debit
from recaudo.payments.actions import make_promise
from recaudo.payments.links import live_link, payment_link
from recaudo.payments.models import Instalment, InstalmentPlan, Mandate, NonPaymentReason
from recaudo.payments.reasons import INTENT_REASONS, record_reasons
from recaudo.payments.rules import AgreementError
from recaudo.payments.terms import collectible_debts, terms_for
from recaudo.policies.rendering import format_date, format_money, locale_for
from recaudo.policies.segments import register_for
from recaudo.portfolio.models import ContactPoint, Debt, Debtor

LANGUAGES = ("es", "pt", "en")
PLAN_INTENTS = ("payment_plan", "hardship")
# What a message with an image or document and these intents is: a receipt.
# Intents that are a reason for non-payment on their own (payments/reasons.py).
BOT_REASONS = ("hardship", "wrong_person", "promise_to_pay")
RECEIPT_INTENTS = ("other", "greeting", "thanks", "already_paid")
WHEN = {"es": "el {date} a las {time}", "pt": "em {date} às {time}", "en": "on {date} at {time}"}


def _postback_data(event: Event) -> str:
    """The postbackData of a tapped suggestion (RCS ``suggestionResponse``), else ""."""
    reply = event.raw.get("suggestionResponse")
    return str(reply.get("postbackData") or "") if isinstance(reply, dict) else ""


def receive(event: Event, *, opted_out: bool = False) -> Message | None:
    """Store and answer one inbound message; None when no debtor has that address.

    ``opted_out``: the webhook layer has already applied an opt-out for this
    message; it is recorded and confirmed once (unless the provider itself
    confirms, as Twilio's Advanced Opt-Out does for STOP words).
    """
    point = find_contact_point(event)
    if point is None:
        return None
    debtor = point.debtor
    now = timezone.now()
    occurred = event.occurred_at or now
    thread = _thread_for(debtor)
    try:
        with transaction.atomic():
            message = Message.objects.create(
                thread=thread,
                direction=Message.Direction.IN,
                author=Message.Author.DEBTOR,
                channel=event.channel,
                contact_point=point,
                address=event.address[:254],
                text=event.text,
                provider_event_id=_event_id(event),
                in_reply_to=event.provider_message_id[:200],
                attachment=_attachment(event),
                occurred_at=occurred,
            )
    except IntegrityError:
        return None  # a repeated webhook: already stored and answered
    thread.last_inbound_at = occurred
    thread.last_channel = event.channel
    thread.last_contact_point = point
    thread.unread = True
    channel = find_channel(event.channel)
    if channel is not None and channel.service_window is not None:  # WhatsApp: the only one
        thread.whatsapp_window_until = occurred + channel.service_window
    local_now = timezone.localtime(now, _zone(debtor.timezone))
    tapped = choices.understood(event.choice) if event.choice else None
    if tapped is None:
        # An RCS chip of ours: its postbackData names the intent (choices.postback_intent).
        chip = choices.postback_intent(_postback_data(event))
        tapped = (chip, {}) if chip else None
    if tapped is not None and not opted_out:
        # A button, list row or chip of ours: its id says what the debtor wants, no guess.
        message.intent, message.slots = tapped[0], dict(tapped[1])
        if event.choice:
            message.slots["choice"] = event.choice
        message.confidence = 1.0
    else:
        understood = understand(event.text, local_now.date(), _language(debtor))
        message.intent = "opt_out" if opted_out else understood.intent
        message.confidence = understood.confidence
        message.slots = dict(understood.slots)
    message.save(update_fields=["intent", "confidence", "slots"])

    if message.intent == "opt_out":
        if not opted_out:
            _apply_opt_out(event)
        thread.misunderstood_in_row = 0
        thread.plan_offer = None
        thread.save()
        if not _provider_confirms_opt_out(event):
            register = register_for(debtor, local_now.date())
            confirmation = bot.text("opt_out", _language(debtor), register)
            _answer(thread, message, confirmation, now, final=True)
        return message

    if thread.state != Thread.State.BOT:
        # A person has the thread: they answer; the bot stays quiet.
        thread.needs_attention = True
        thread.save()
        return message

    facts = debtor_facts(debtor, thread, local_now)
    today = local_now.date()
    if message.attachment and message.intent in RECEIPT_INTENTS:
        # A photo or PDF alone (or with a greeting): a receipt of a payment made.
        message.intent = "already_paid"
        message.save(update_fields=["intent"])
    if (
        thread.report_question
        and tapped is None
        and debt_reports.answers_question(thread, event.text)
    ):
        kind = str(thread.report_question.get("kind", "already_paid"))
        answer, handoff = debt_reports.handle(
            thread, debtor, kind, event.text, facts, today, answering=True
        )
        if handoff:
            actions.hand_off(thread, kind, now=now)
        thread.misunderstood_in_row = 0
        thread.save()
        _answer(thread, message, answer, now)
        return message
    # Anything else moves on: the question is dropped (asked again if the debtor insists).
    thread.report_question = None
    offer = OfferRecord.from_json(thread.plan_offer)
    picked = event.choice if tapped is not None and tapped[0] == choices.PLAN_INTENT else ""
    choice = parse_choice(picked or event.text) if offer is not None else None
    if tapped is not None and not picked:
        choice = None  # "Pagar" or "Ya pagué" tapped under a list of plans: not a pick
    menu: Menu | None = None
    if offer is not None and choice is not None:
        reply = plan_offers.answer_pick(thread, debtor, offer, choice, facts, today, now)
        if reply.action == "offer_plans":  # listed again (expired, changed): as a list again
            menu = plan_offers.menu_for(debtor, facts, today, now)[0]
        # In context the message answers the offer, whatever the NLU read alone ("2": a date?).
        message.intent = "payment_plan"
        message.slots = {**message.slots, "plan_choice": str(choice.number)}
        message.save(update_fields=["intent", "slots"])
        thread.misunderstood_in_row = 0
    else:
        record = None
        if message.intent in PLAN_INTENTS and facts.balance:
            menu, record = plan_offers.menu_for(debtor, facts, today, now)
            facts = replace(facts, menu=menu)
        slots = dict(message.slots)
        if message.intent == "direct_debit" and bot.cancels_debit(event.text):
            slots["debit"] = "cancel"
        reply = bot.decide(message.intent, slots, facts, request=plan_request_kind(event.text))
        if reply.action == "offer_plans" and record is not None:
            thread.plan_offer = record.as_json()
        thread.misunderstood_in_row = (
            thread.misunderstood_in_row + 1 if message.intent == "other" else 0
        )
    answer = reply.text
    if message.intent in BOT_REASONS:
        # Disputes and "ya pagué" are recorded by the report they open (debt_reports).
        record_reasons(
            debtor,
            INTENT_REASONS[message.intent],
            NonPaymentReason.Source.BOT,
            detail=event.text,
            occurred_at=occurred,
            thread_id=thread.pk,
        )
    if reply.action == "promise":
        answer = _promise(debtor, reply.slots, facts, local_now.date())
    elif reply.action == "invalidate_point":
        actions.invalidate_contact_point(point, f"{event.channel}: wrong person", occurred)
    elif reply.action == "cancel_debit":
        mandate = debit.active_mandate(debtor.pk)
        if mandate is not None:
            debit.cancel_mandate(mandate, channel=Mandate.Channel.BOT, by=f"thread {thread.pk}")
    elif reply.action in ("dispute", "report_paid"):
        kind = "dispute" if reply.action == "dispute" else "already_paid"
        answer, handoff = debt_reports.handle(thread, debtor, kind, event.text, facts, today)
        if not handoff:
            reply = replace(reply, handoff_reason="")
    if reply.handoff_reason:
        actions.hand_off(thread, reply.handoff_reason, now=now)
        thread.misunderstood_in_row = 0
    thread.save()
    if answer:
        offer_choices = None
        if event.channel == "whatsapp":  # the debtor just wrote: the window is open
            offer_choices = choices.offered(
                replace(reply, text=answer),
                facts,
                menu,
                handed_off=thread.state != Thread.State.BOT,
                asking=bool(thread.report_question),
            )
        _answer(
            thread,
            message,
            answer,
            now,
            final=reply.action == "invalidate_point",
            offered=offer_choices,
        )
    return message


def find_contact_point(event: Event) -> ContactPoint | None:
    """The contact point with the sender's address; of several debtors, the one we wrote to.

    A message to a creditor's own number (``event.creditor_id``, set by the
    webhook's routing) belongs to that creditor's debtors only.
    """
    candidates = optouts.points_for(event.address)
    if event.creditor_id is not None:
        candidates = candidates.filter(debtor__creditor_id=event.creditor_id)
    points = list(candidates.select_related("debtor", "debtor__creditor").order_by("pk"))
    if len(points) <= 1:
        return points[0] if points else None
    sent = Outreach.objects.filter(contact_point__in=points, channel=event.channel)
    if event.provider_message_id:
        replied_to = sent.filter(provider_message_id=event.provider_message_id).first()
        if replied_to is not None:
            return next(p for p in points if p.pk == replied_to.contact_point_id)
    latest = sent.exclude(sent_at__isnull=True).order_by("-sent_at").first()
    if latest is not None:
        return next(p for p in points if p.pk == latest.contact_point_id)
    return points[0]


def debtor_facts(debtor: Debtor, thread: Thread, local_now: datetime) -> bot.Facts:
    language = _language(debtor)
    locale = locale_for(language, debtor.country)
    today = local_now.date()
    owed = [
        d for d in Debt.objects.filter(debtor=debtor, status__in=Debt.COLLECTIBLE) if d.balance > 0
    ]
    balance = overdue_balance = upcoming_balance = next_payment = upcoming_due = ""
    if owed:
        currency = owed[0].currency
        same = [d for d in owed if d.currency == currency]
        total = sum((d.balance for d in same), Decimal(0))
        balance = format_money(total, currency, locale)
        late = sum((d.balance for d in same if d.due_on < today), Decimal(0))
        ahead = [d for d in same if d.due_on >= today]
        if late and ahead:
            overdue_balance = format_money(late, currency, locale)
            upcoming_balance = format_money(total - late, currency, locale)
        elif late:
            overdue_balance = balance
        if ahead:
            first = min(d.due_on for d in ahead)
            upcoming_due = format_date(first, locale, today)
            amount = sum((d.balance for d in ahead if d.due_on == first), Decimal(0))
            next_payment = format_money(amount, currency, locale)
    upcoming = sorted(d.due_on for d in owed)
    nearest = next((day for day in upcoming if day >= today), upcoming[-1] if upcoming else None)
    overdue = bool(upcoming) and upcoming[0] < today
    shown = upcoming[0] if overdue else nearest
    instalment = next_instalment(debtor)
    if instalment is not None and owed:
        next_payment = format_money(instalment.amount, instalment.plan.currency, locale)
        upcoming_due = format_date(instalment.due_on, locale, today)
    debit_link, debit_active = _debit_facts(debtor, owed)
    wait = ""
    creditor = debtor.creditor
    opens = bot.next_agent_time(local_now, agent_hours(creditor, today))
    if opens is not None:
        opens = opens.astimezone(local_now.tzinfo)  # said in the debtor's own time
        when = WHEN.get(language, WHEN["es"])
        wait = when.format(date=format_date(opens.date(), locale), time=opens.strftime("%H:%M"))
    return bot.Facts(
        language=language,
        name=debtor.first_name or debtor.full_name,
        brand=creditor.brand_name or creditor.name,
        balance=balance,
        next_due=format_date(shown, locale, today) if shown else "",
        overdue=overdue,
        link=payment_link(debtor.pk) if owed else "",
        misunderstood_in_row=thread.misunderstood_in_row,
        agent_wait=wait,
        register=register_for(debtor, today),
        country=debtor.country,
        overdue_balance=overdue_balance,
        upcoming_balance=upcoming_balance,
        next_payment=next_payment,
        upcoming_due=upcoming_due,
        on_plan=instalment is not None,
        debit_link=debit_link,
        debit_active=debit_active,
    )


def _debit_facts(debtor: Debtor, owed: list[Debt]) -> tuple[str, bool]:
    """Direct debit: (the portal's enrolment link when the plan can have it, active)."""
    plan = InstalmentPlan.objects.filter(debtor=debtor, status=InstalmentPlan.Status.ACTIVE).first()
    if not owed or plan is None:
        return "", False
    if debit.active_mandate(debtor.pk) is not None:
        return "", True
    if not debit.debit_view(plan, terms_for(debtor).provider).offered:
        return "", False
    return f"{payment_link(debtor.pk)}?via=bot#debit", False


def next_instalment(debtor: Debtor) -> Instalment | None:
    """The oldest unpaid instalment of the debtor's active plan, if they have one."""
    return (
        Instalment.objects.filter(
            plan__debtor=debtor,
            plan__status=InstalmentPlan.Status.ACTIVE,
            status=Instalment.Status.PENDING,
        )
        .select_related("plan")
        .order_by("number")
        .first()
    )


def _promise(debtor: Debtor, slots: dict[str, str], facts: bot.Facts, today: date) -> str:
    day = date.fromisoformat(slots["date"])
    currency = terms_for(debtor).currency
    total = sum(
        (
            d.balance
            for d in collectible_debts(debtor)
            if d.currency == currency and d.status == "open"
        ),
        Decimal(0),
    )
    amount = Decimal(slots["amount"]) if slots.get("amount") else total
    amount = min(amount, total) if total > 0 else amount
    try:
        with transaction.atomic():
            promise = make_promise(
                live_link(debtor.pk), promised_on=day, amount=amount, source="bot"
            )
    except AgreementError as error:
        return bot.promise_refused(facts, str(error))
    locale = locale_for(facts.language, debtor.country)
    return bot.promise_confirmation(
        facts,
        amount=format_money(promise.amount, promise.currency, locale),
        day=format_date(promise.promised_on, locale, today),
    )


def _answer(
    thread: Thread,
    inbound: Message,
    text: str,
    now: datetime,
    *,
    final: bool = False,
    offered: choices.Offered | None = None,
) -> Message:
    """Queue the bot's answer; ``final`` for the last word to a point we stop using.

    ``offered``: the WhatsApp buttons or list that go with it; the thread keeps
    the text as the debtor's phone shows it, choices included.
    """
    point = inbound.contact_point
    assert point is not None  # an inbound message is stored with the point it came on
    outreach = queue_reply(
        thread.debtor,
        channel=inbound.channel,
        contact_point=point,
        text=text,
        key=f"reply:{inbound.pk}",
        now=now,
        final=final,
        opened_at=min(inbound.occurred_at, now),
        choices=offered.as_json() if offered is not None else None,
    )
    text = choices.shown_text(text, offered)
    return Message.objects.create(
        thread=thread,
        direction=Message.Direction.OUT,
        author=Message.Author.BOT,
        channel=inbound.channel,
        contact_point=inbound.contact_point,
        address=inbound.address,
        text=text,
        outreach=outreach,
        occurred_at=now,
    )


def _apply_opt_out(event: Event) -> None:
    """The bot heard an opt-out the webhook layer did not apply: honour it.

    Through the webhook this is the classifier's backup (a wording the lexicon
    misses): this channel. Called directly, the lexicon's scope.
    """
    scope = optouts.opt_out_scope(event.text) or "channel"
    optouts.apply_opt_out(event, scope=scope, source="bot", actor="debtor")


def _provider_confirms_opt_out(event: Event) -> bool:
    # Twilio's Advanced Opt-Out answers STOP words itself; a second text would be one too many.
    return event.channel == "sms" and optouts.provider_says_stop(event)


def _thread_for(debtor: Debtor) -> Thread:
    thread, _created = Thread.objects.get_or_create(
        debtor=debtor, defaults={"creditor_id": debtor.creditor_id}
    )
    return Thread.objects.select_for_update().get(pk=thread.pk)


def _event_id(event: Event) -> str:
    if event.provider_event_id:
        return event.provider_event_id[:300]
    when = event.occurred_at.isoformat() if event.occurred_at else ""
    seed = "\n".join((event.channel, event.address, event.text, when))
    return "sha256:" + hashlib.sha256(seed.encode()).hexdigest()


def _attachment(event: Event) -> dict[str, str] | None:
    raw = event.raw if isinstance(event.raw, dict) else {}
    for kind in ("image", "document"):
        media = raw.get(kind)
        if isinstance(media, dict) and media.get("id"):
            return {
                "kind": kind,
                "id": str(media["id"]),
                "mime_type": str(media.get("mime_type", "")),
            }
    if raw.get("MediaUrl0"):
        return {
            "kind": "media",
            "url": str(raw["MediaUrl0"]),
            "mime_type": str(raw.get("MediaContentType0", "")),
        }
    return None


def _language(debtor: Debtor) -> str:
    code = (debtor.language or "es")[:2].lower()
    return code if code in LANGUAGES else "es"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")
