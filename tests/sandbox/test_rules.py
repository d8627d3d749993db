"""The rules the sandbox reproduces, without HTTP."""

from __future__ import annotations

import random

from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.rules import (
    ConversationWindows,
    OptOuts,
    RateLimiter,
    SeenIds,
    TemplateCatalog,
    normalize_address,
    opt_out_type,
    rcs_number_is_capable,
    sms_number_is_reachable,
    sms_number_is_valid,
    whatsapp_number_exists,
)
from recaudo.sandbox.store import MessageLog, MessageRecord
from recaudo.sandbox.webhooks import Step, Webhook, plan_steps
from recaudo.sandbox.whatsapp import WhatsAppFake

DAY = 24 * 3600
TOKEN = "Bearer sandbox-whatsapp-token"
PHONE_ID = "100200300400500"


def test_the_window_is_closed_until_the_user_writes():
    windows = ConversationWindows()
    assert not windows.is_open(PHONE_ID, "5215512345678", now=1000.0)
    windows.user_wrote(PHONE_ID, "+52 1 55 1234 5678", now=1000.0)
    assert windows.is_open(PHONE_ID, "5215512345678", now=1000.0)


def test_the_window_closes_24_hours_after_the_users_last_message():
    windows = ConversationWindows()
    windows.user_wrote(PHONE_ID, "5215512345678", now=0.0)
    assert windows.is_open(PHONE_ID, "5215512345678", now=DAY)
    assert not windows.is_open(PHONE_ID, "5215512345678", now=DAY + 1)
    windows.user_wrote(PHONE_ID, "5215512345678", now=DAY + 1)
    assert windows.is_open(PHONE_ID, "5215512345678", now=2 * DAY)


def test_a_window_belongs_to_one_business_number():
    windows = ConversationWindows()
    windows.user_wrote(PHONE_ID, "5215512345678", now=0.0)
    assert not windows.is_open("999", "5215512345678", now=1.0)


def test_the_catalog_checks_template_name_language_and_parameter_count():
    catalog = TemplateCatalog()
    catalog.register("recordatorio", "es_MX", 2)
    assert catalog.check("recordatorio", "es_MX", 2) is None
    assert catalog.check("recordatorio", "es_MX", 3) == 132000
    assert catalog.check("recordatorio", "es", 2) == 132001
    assert catalog.check("otro", "es_MX", 2) == 132001


def test_a_bucket_allows_its_capacity_at_once_then_refills_at_its_rate():
    limiter = RateLimiter(rate=80, capacity=80)
    assert all(limiter.allow("number", now=10.0) for _ in range(80))
    assert not limiter.allow("number", now=10.0)
    assert limiter.allow("number", now=10.013)  # one token refilled after 1/80 s
    assert not limiter.allow("number", now=10.013)
    assert limiter.allow("other number", now=10.0)


def test_the_pair_rate_allows_a_burst_then_one_message_every_six_seconds():
    limiter = RateLimiter(rate=1 / 6, capacity=3)
    assert [limiter.allow("pair", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert not limiter.allow("pair", now=5.9)
    assert limiter.allow("pair", now=6.1)
    assert not limiter.allow("pair", now=6.2)


def test_stop_and_baja_opt_out_and_start_opts_back_in():
    opt_outs = OptOuts()
    assert opt_outs.user_wrote("+5215512345678", "hola") == ""
    assert not opt_outs.is_opted_out("+5215512345678")
    assert opt_outs.user_wrote("+5215512345678", " stop ") == "STOP"
    assert opt_outs.is_opted_out("5215512345678")
    assert opt_outs.user_wrote("+5215512345678", "START") == "START"
    assert not opt_outs.is_opted_out("+5215512345678")
    assert opt_outs.user_wrote("+573001234567", "Baja") == "STOP"
    assert opt_outs.is_opted_out("+573001234567")


def test_only_a_single_keyword_is_an_opt_out():
    assert opt_out_type("STOP por favor") == ""
    assert opt_out_type("¡BAJA!") == "STOP"
    assert opt_out_type("ayuda") == "HELP"


def test_the_deterministic_number_rules():
    assert not whatsapp_number_exists("+5215512345999")
    assert whatsapp_number_exists("+5215512345998")
    assert not sms_number_is_valid("5512345")
    assert not sms_number_is_valid("+52 55 1234 5678")
    assert sms_number_is_valid("+5215512345678")
    assert not sms_number_is_reachable("+5215512345998")
    assert rcs_number_is_capable("+5215512345671")
    assert not rcs_number_is_capable("+5215512345670")


def test_addresses_are_normalized_to_e164_or_lower_case_email():
    assert normalize_address("52 1 (55) 1234-5678") == "+5215512345678"
    assert normalize_address(" Ana@Example.COM ") == "ana@example.com"


def test_seen_ids_refuse_a_repeat():
    seen = SeenIds()
    assert seen.add(("agent", "m1"))
    assert not seen.add(("agent", "m1"))
    assert seen.add(("other agent", "m1"))


def test_the_message_log_is_bounded_and_statuses_only_move_forward():
    log = MessageLog(max_messages=3, per_address=2)
    for number in range(4):
        log.add(MessageRecord(f"m{number}", "sms", "outbound", "+5215500000001", "x", "queued"))
    assert [record.id for record in log.for_address("+5215500000001")] == ["m2", "m3"]
    assert len(log) == 3
    assert log.set_status("m3", "delivered")
    assert not log.set_status("m3", "sent")
    assert log.get("m3").status == "delivered"
    assert [status for status, _ in log.get("m3").history] == ["queued", "delivered"]


def fake(**behaviour) -> WhatsAppFake:
    settings = Behaviour(webhooks_enabled=False, **behaviour)
    return WhatsAppFake(Credentials(), settings, MessageLog(), random.Random(1))


def text_to(number: str) -> dict:
    return {"messaging_product": "whatsapp", "to": number, "type": "text", "text": {"body": "Hola"}}


def test_free_form_text_needs_an_open_window():
    whatsapp = fake()
    refused = whatsapp.send(PHONE_ID, TOKEN, text_to("5215512345678"), 0.0, 1000.0)
    assert refused.status == 400
    assert refused.body["error"]["code"] == 131047
    assert refused.planned == []
    whatsapp.windows.user_wrote(PHONE_ID, "5215512345678", now=1000.0)
    assert whatsapp.send(PHONE_ID, TOKEN, text_to("5215512345678"), 0.0, 2000.0).status == 200
    late = whatsapp.send(PHONE_ID, TOKEN, text_to("5215512345678"), 0.0, 1000.0 + DAY + 1)
    assert late.body["error"]["code"] == 131047


def test_throughput_beyond_the_limit_is_refused_with_130429():
    whatsapp = fake(whatsapp_mps=5, pair_limit_enabled=False)
    whatsapp.catalog.register("aviso", "es", 0)
    body = {"messaging_product": "whatsapp", "to": "", "type": "template"}
    body["template"] = {"name": "aviso", "language": {"code": "es"}}
    codes = []
    for number in range(6):
        reply = whatsapp.send(PHONE_ID, TOKEN, {**body, "to": f"52155000000{number}"}, 1.0, 1.0)
        codes.append(reply.status if reply.status == 200 else reply.body["error"]["code"])
    assert codes == [200, 200, 200, 200, 200, 130429]


def test_the_pair_rate_refuses_with_131056_and_can_be_disabled():
    whatsapp = fake(pair_burst=2)
    whatsapp.catalog.register("aviso", "es", 0)
    body = {"messaging_product": "whatsapp", "to": "5215512345678", "type": "template"}
    body["template"] = {"name": "aviso", "language": {"code": "es"}}
    replies = [whatsapp.send(PHONE_ID, TOKEN, body, 1.0, 1.0) for _ in range(3)]
    assert [reply.status for reply in replies] == [200, 200, 429]
    assert replies[2].body["error"]["code"] == 131056
    whatsapp.behaviour.pair_limit_enabled = False
    assert whatsapp.send(PHONE_ID, TOKEN, body, 1.0, 1.0).status == 200


def steps(*names: str) -> list[Step]:
    return [
        Step("m1", name, lambda at, name=name: Webhook("http://x", name.encode(), {}))
        for name in names
    ]


def test_the_same_seed_plans_the_same_webhooks():
    behaviour = Behaviour(out_of_order_probability=0.5, duplicate_probability=0.5)
    first = plan_steps(random.Random(3), behaviour, steps("sent", "delivered", "read"))
    second = plan_steps(random.Random(3), behaviour, steps("sent", "delivered", "read"))
    assert [(p.delay, p.status, p.duplicate) for p in first] == [
        (p.delay, p.status, p.duplicate) for p in second
    ]


def test_out_of_order_swaps_the_first_two_statuses_and_duplicates_repeat_the_webhook():
    behaviour = Behaviour(out_of_order_probability=1.0, duplicate_probability=1.0)
    planned = plan_steps(random.Random(3), behaviour, steps("sent", "delivered"))
    originals = [p for p in planned if not p.duplicate]
    copies = [p for p in planned if p.duplicate]
    by_time = sorted(originals, key=lambda p: p.delay)
    assert [p.status for p in by_time] == ["delivered", "sent"]
    assert sorted(copy.webhook.body for copy in copies) == [b"delivered", b"sent"]
    assert all(copy.message_id == "" for copy in copies)
