"""The Django admin shows a staff user tied to a creditor only that creditor's rows: every
registered model, its lists, pages, searches, filters, pickers, actions and saves
(recaudo/admin_scope.py). Superusers see everything."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from recaudo.admin_scope import CreditorScoped, path_to_creditor
from recaudo.compliance.models import CreditorRuleOverride
from recaudo.conversations.models import (
    AgentProfile,
    CallAssignment,
    Message,
    RoutingRule,
    Thread,
)
from recaudo.delivery.models import ChannelAccount
from recaudo.outreach.models import Campaign, EmailBounce, Outreach, PlannerRun, WebhookEvent
from recaudo.payments.links import live_link
from recaudo.payments.models import (
    BankAccount,
    Checkout,
    DebtorReport,
    DebtorRequest,
    InstalmentPlan,
    LinkRenewalRequest,
    Mandate,
    NonPaymentReason,
    PaymentSettings,
    PaymentWebhookEvent,
    Promise,
    ProviderAccount,
)
from recaudo.policies.models import Policy, Segment, Template
from recaudo.portfolio import actions
from recaudo.portfolio.apikeys import create_key
from recaudo.portfolio.models import (
    ApiKey,
    AuditEvent,
    ChannelConsent,
    Creditor,
    Debt,
    Debtor,
    IdempotencyRecord,
    PaymentAllocation,
)
from recaudo.reports.models import ExportRecord, ReportRecipient, WeeklyReport
from tests.factories import make_creditor, make_debt, make_debtor

pytestmark = pytest.mark.django_db
User = get_user_model()
_numbers = itertools.count(1)


def _n() -> int:
    return next(_numbers)


# --- One row of a creditor, for every registered model --------------------------------------


def _debtor(creditor: Creditor) -> Debtor:
    return make_debtor(creditor, phone=f"+57300{_n():07d}")


def _payment(creditor: Creditor):
    debtor = _debtor(creditor)
    make_debt(debtor)
    return actions.record_payment(
        creditor=creditor, debtor=debtor, external_id=f"P{_n()}", amount=Decimal("1000.00"),
        currency="COP", paid_at=timezone.now(), method="PSE", actor="test",
    ).payment  # fmt: skip


def _outreach(creditor: Creditor) -> Outreach:
    debtor = _debtor(creditor)
    now = timezone.now()
    return Outreach.objects.create(
        creditor=creditor, debtor=debtor, anchor_due_on=date(2026, 10, 24),
        planned_on=date(2026, 11, 23), action="call_task", channel="call",
        contact_point=debtor.contact_points.get(), template_key="call", tone="late",
        language="es", currency="COP", amount_due=Decimal("1000.00"),
        window_start=now, window_end=now + timedelta(hours=6),
    )  # fmt: skip


def _staff_of(creditor: Creditor) -> models.Model:
    user = User.objects.create_user(f"agente{_n()}", password="x", is_staff=True)
    AgentProfile.objects.create(user=user, creditor=creditor)
    return user


def _thread(creditor: Creditor) -> Thread:
    return Thread.objects.create(creditor=creditor, debtor=_debtor(creditor))


def _policy(creditor: Creditor | None) -> Policy:
    return Policy.objects.create(creditor=creditor, code=f"politica-{_n()}", name="Política")


ROW_OF: dict[str, Callable[[Creditor], models.Model]] = {
    "portfolio.Creditor": lambda creditor: creditor,
    "delivery.ChannelAccount": lambda creditor: ChannelAccount.objects.create(
        creditor=creditor, channel="sms", routing_key=f"+1500555{creditor.pk:04d}", secret="t"
    ),
    "payments.ProviderAccount": lambda creditor: ProviderAccount.objects.create(
        creditor=creditor, provider="stripe", api_key="sk_test"
    ),
    "portfolio.Debtor": _debtor,
    "portfolio.ContactPoint": lambda creditor: _debtor(creditor).contact_points.get(),
    "portfolio.ChannelConsent": lambda creditor: ChannelConsent.objects.create(
        contact_point=_debtor(creditor).contact_points.get(),
        channel="whatsapp",
        source="contrato",
        granted_at=timezone.now(),
    ),
    "portfolio.Debt": lambda creditor: make_debt(_debtor(creditor)),
    "portfolio.Payment": _payment,
    "portfolio.PaymentAllocation": lambda creditor: PaymentAllocation.objects.get(
        payment=_payment(creditor)
    ),
    "portfolio.AuditEvent": lambda creditor: AuditEvent.objects.create(
        creditor=creditor, kind=AuditEvent.Kind.DEBTOR_CREATED, actor="test"
    ),
    "portfolio.ApiKey": lambda creditor: ApiKey.objects.get(
        prefix=create_key(creditor, f"ERP {_n()}").api_key.prefix
    ),
    "portfolio.IdempotencyRecord": lambda creditor: IdempotencyRecord.objects.create(
        creditor=creditor, key=f"idem-{_n()}", request_hash="0" * 64, status_code=201, response={}
    ),
    "compliance.CreditorRuleOverride": lambda creditor: CreditorRuleOverride.objects.create(
        creditor=creditor, country="CO", overrides={}
    ),
    "policies.Policy": _policy,
    "policies.Segment": lambda creditor: Segment.objects.create(
        creditor=creditor, name=f"Segmento {_n()}", policy=_policy(creditor)
    ),
    "policies.Template": lambda creditor: Template.objects.create(
        creditor=creditor, key=f"clave-{_n()}", channel="sms", language="es", body="Hola"
    ),
    "outreach.Outreach": _outreach,
    "outreach.Campaign": lambda creditor: Campaign.objects.create(
        creditor=creditor,
        name=f"Campaña {_n()}",
        template_key="due_today",
        channels=["sms"],
        send_on=date(2026, 12, 4),
        send_until=date(2026, 12, 4),
    ),
    "outreach.PlannerRun": lambda creditor: PlannerRun.objects.create(
        creditor=creditor,
        run_on=date(2026, 11, 23),
        started_at=timezone.now(),
        finished_at=timezone.now(),
        outreach_created=0,
    ),
    "conversations.Thread": _thread,
    "conversations.Message": lambda creditor: Message.objects.create(
        thread=_thread(creditor),
        direction="in",
        author="debtor",
        text="hola",
        occurred_at=timezone.now(),
    ),
    "conversations.AgentProfile": lambda creditor: _staff_of(creditor).memberships.get(),
    "conversations.CallAssignment": lambda creditor: CallAssignment.objects.create(
        outreach=_outreach(creditor), agent=_staff_of(creditor), taken_at=timezone.now()
    ),
    "conversations.RoutingRule": lambda creditor: RoutingRule.objects.create(
        creditor=creditor, agent=_staff_of(creditor)
    ),
    "auth.User": _staff_of,
    "reports.ReportRecipient": lambda creditor: ReportRecipient.objects.create(
        creditor=creditor, email=f"gerencia{creditor.pk}@example.com"
    ),
    "reports.WeeklyReport": lambda creditor: WeeklyReport.objects.create(
        creditor=creditor, week_start=date(2026, 11, 16)
    ),
    "payments.PaymentSettings": lambda creditor: PaymentSettings.objects.create(
        creditor=creditor, provider="sandbox"
    ),
    "payments.BankAccount": lambda creditor: BankAccount.objects.create(
        creditor=creditor,
        bank_name="Banco",
        account_number=f"ACC-{creditor.pk}",
        holder_name=creditor.name,
        holder_tax_id=creditor.tax_id,
    ),
    "payments.PaymentLink": lambda creditor: live_link(_debtor(creditor).pk),
    "payments.InstalmentPlan": lambda creditor: InstalmentPlan.objects.create(
        creditor=creditor,
        debtor=_debtor(creditor),
        currency="COP",
        total=Decimal("1000.00"),
        down_payment=Decimal("100.00"),
        instalment_count=2,
    ),
    "payments.Promise": lambda creditor: Promise.objects.create(
        creditor=creditor,
        debtor=_debtor(creditor),
        amount=Decimal("1000.00"),
        currency="COP",
        promised_on=date(2026, 12, 1),
    ),
    "payments.Checkout": lambda creditor: Checkout.objects.create(
        reference=f"ref-{_n()}",
        link=(link := live_link(_debtor(creditor).pk)),
        creditor=creditor,
        debtor=link.debtor,
        kind="all",
        provider="sandbox",
        amount=Decimal("1000.00"),
        currency="COP",
    ),
    "payments.Mandate": lambda creditor: Mandate.objects.create(
        reference=f"mandate-{_n()}",
        creditor=creditor,
        debtor=(debtor := _debtor(creditor)),
        plan=InstalmentPlan.objects.create(
            creditor=creditor,
            debtor=debtor,
            currency="COP",
            total=Decimal("1000.00"),
            down_payment=Decimal("100.00"),
            instalment_count=2,
        ),
        provider="sandbox",
        channel="portal",
    ),
    "payments.LinkRenewalRequest": lambda creditor: LinkRenewalRequest.objects.create(
        link=live_link(_debtor(creditor).pk)
    ),
    "payments.DebtorReport": lambda creditor: DebtorReport.objects.create(
        creditor=creditor,
        debtor=(debtor := _debtor(creditor)),
        debt=make_debt(debtor),
        kind="dispute",
        reason="No reconozco la deuda",
    ),
    "payments.DebtorRequest": lambda creditor: DebtorRequest.objects.create(
        creditor=creditor,
        debtor=_debtor(creditor),
        kind="extension",
        new_due_on=date(2026, 12, 15),
    ),
    "payments.NonPaymentReason": lambda creditor: NonPaymentReason.objects.create(
        creditor=creditor,
        debtor=(debtor := _debtor(creditor)),
        debt=make_debt(debtor),
        code="hardship",
        source="bot",
        detail="me quedé sin trabajo",
        occurred_at=timezone.now(),
    ),
    "reports.ExportRecord": lambda creditor: ExportRecord.objects.create(
        actor="ana",
        kind="debts",
        file_format="csv",
        creditor=creditor,
        scope=str(creditor.pk),
        language="es",
    ),
}

# Models with no creditor. Unattributed ones carry debtors' data but name no creditor: hidden
# from users tied to a creditor. Shared ones hold no creditor data: read by all staff.
UNATTRIBUTED_ROW: dict[str, Callable[[], models.Model]] = {
    "outreach.WebhookEvent": lambda: WebhookEvent.objects.create(
        provider="twilio", dedupe_key=f"SM{_n()}", body="From=%2B573001234567&Body=hola"
    ),
    "payments.PaymentWebhookEvent": lambda: PaymentWebhookEvent.objects.create(
        provider="sandbox", event_id=f"evt-{_n()}", body="{}"
    ),
    # An export of every creditor the user saw: it names none, only unattached staff see it.
    "reports.ExportRecord": lambda: ExportRecord.objects.create(
        actor="raiz", kind="debts", file_format="csv", scope="*", language="es"
    ),
    # Keyed by an address several creditors' debtors may share (like the webhooks).
    "outreach.EmailBounce": lambda: EmailBounce.objects.create(
        dedupe_key=f"{_n():064d}", kind="soft", recipient="ana@example.net", status="4.2.2"
    ),
}
SHARED_ROW: dict[str, Callable[[], models.Model]] = {
    "auth.Group": lambda: Group.objects.create(name=f"Supervisores {_n()}"),
}

REGISTERED = sorted(model._meta.label for model in admin.site._registry)


def url(obj_or_model: models.Model | type[models.Model], view: str, *args: object) -> str:
    meta = obj_or_model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def agent_of(creditor: Creditor) -> tuple[Client, models.Model]:
    """A staff user tied to ``creditor`` holding every permission (not a superuser)."""
    user = User.objects.create_user(f"ana{_n()}", password="x", is_staff=True)
    AgentProfile.objects.create(user=user, creditor=creditor)
    user.user_permissions.set(Permission.objects.all())
    browser = Client()
    browser.force_login(user)
    return browser, user


def superuser() -> Client:
    user = User.objects.create_superuser(f"raiz{_n()}", "raiz@example.com", "x")
    AgentProfile.objects.create(user=user, creditor=make_creditor())
    browser = Client()
    browser.force_login(user)
    return browser


def rows_for(label: str, mine: Creditor, theirs: Creditor) -> tuple[set[int], set[int]]:
    """(pks the agent of ``mine`` must see, pks they must not) for one registered model."""
    if label in ROW_OF:
        hidden = {ROW_OF[label](theirs).pk}
        if label in UNATTRIBUTED_ROW:  # rows of a creditor, and rows naming none
            hidden.add(UNATTRIBUTED_ROW[label]().pk)
        return {ROW_OF[label](mine).pk}, hidden
    if label in UNATTRIBUTED_ROW:
        return set(), {UNATTRIBUTED_ROW[label]().pk}
    if label in SHARED_ROW:
        return {SHARED_ROW[label]().pk}, set()
    pytest.fail(
        f"{label} is registered in the admin but this test cannot make its rows: add a builder "
        "to ROW_OF (or UNATTRIBUTED_ROW / SHARED_ROW) so it is checked for tenancy"
    )


def listed(response) -> set[int]:
    assert response.status_code == 200
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


# --- Every registered model ------------------------------------------------------------------


def test_every_admin_and_inline_is_scoped_and_passes_its_checks():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, CreditorScoped), model._meta.label
        for inline in model_admin.inlines:
            assert issubclass(inline, CreditorScoped), (model._meta.label, inline.__name__)
    errors = [
        message for message in checks.run_checks(tags=[checks.Tags.admin]) if message.is_serious()
    ]
    assert errors == []


def test_every_registered_model_has_rows_this_test_can_make():
    unknown = set(REGISTERED) - set(ROW_OF) - set(UNATTRIBUTED_ROW) - set(SHARED_ROW)
    assert unknown == set()


@pytest.mark.parametrize("label", REGISTERED)
def test_an_agent_sees_none_of_another_creditors_rows(label):
    mine, theirs = make_creditor(), make_creditor()
    visible, hidden = rows_for(label, mine, theirs)
    agent, _ = agent_of(mine)
    model = apps.get_model(label)

    shown = listed(agent.get(url(model, "changelist")))

    assert visible <= shown
    assert not shown & hidden
    for pk in visible:
        assert agent.get(url(model, "change", pk)).status_code == 200
    for pk in hidden:
        assert agent.get(url(model, "change", pk)).status_code == 404
        assert agent.post(url(model, "change", pk), {}).status_code == 404
        assert agent.get(url(model, "delete", pk)).status_code == 404
        assert agent.post(url(model, "delete", pk), {"post": "yes"}).status_code == 404
        assert agent.get(url(model, "history", pk)).status_code == 404
        assert model._default_manager.filter(pk=pk).exists()


@pytest.mark.parametrize("label", REGISTERED)
def test_a_superuser_sees_every_creditors_rows(label):
    mine, theirs = make_creditor(), make_creditor()
    visible, hidden = rows_for(label, mine, theirs)
    browser = superuser()
    model = apps.get_model(label)

    shown = listed(browser.get(url(model, "changelist")))

    assert visible | hidden <= shown
    for pk in visible | hidden:
        assert browser.get(url(model, "change", pk)).status_code == 200


def test_each_model_reaches_its_creditor_by_the_expected_path():
    expected = {
        "portfolio.Creditor": "pk",
        "portfolio.ContactPoint": "debtor__creditor",
        "portfolio.ChannelConsent": "contact_point__debtor__creditor",
        "portfolio.PaymentAllocation": "payment__creditor",
        "conversations.Message": "thread__creditor",
        "conversations.CallAssignment": "outreach__creditor",
        "payments.LinkRenewalRequest": "link__creditor",
        "policies.Step": "policy__creditor",
        "payments.Instalment": "plan__creditor",
        "outreach.OutreachDebt": "outreach__creditor",
        "auth.User": "memberships__creditor",
        "auth.Group": None,
        "outreach.WebhookEvent": None,
        "payments.PaymentWebhookEvent": None,
        "portfolio.Debtor": "creditor",
        "policies.Template": "creditor",
    }
    found = {label: path_to_creditor(apps.get_model(label)) for label in expected}
    assert found == expected


# --- Searches, filters, pickers, actions --------------------------------------------------


@pytest.fixture
def two():
    mine, theirs = make_creditor(), make_creditor()
    return mine, theirs


def test_searching_finds_nothing_of_another_creditor(two):
    mine, theirs = two
    own = make_debtor(mine, full_name="Rosa Compartida")
    make_debtor(theirs, full_name="Rosa Compartida")
    agent, _ = agent_of(mine)

    found = listed(agent.get(url(Debtor, "changelist"), {"q": "Rosa"}))

    assert found == {own.pk}


# The debtor list has no ordering of its own (pages of 100k debtors stay cheap), so Django
# warns that the autocomplete's pages are unordered; not what this test is about.
@pytest.mark.filterwarnings("ignore::django.core.paginator.UnorderedObjectListWarning")
def test_the_debtor_autocomplete_offers_only_the_creditors_debtors(two):
    mine, theirs = two
    own = make_debtor(mine, full_name="Rosa Compartida")
    make_debtor(theirs, full_name="Rosa Compartida")
    agent, _ = agent_of(mine)

    answer = agent.get(
        "/admin/autocomplete/",
        {"app_label": "portfolio", "model_name": "debt", "field_name": "debtor", "term": "Rosa"},
    )

    assert answer.status_code == 200
    assert [item["id"] for item in answer.json()["results"]] == [str(own.pk)]


def test_the_creditor_filter_lists_only_the_users_creditor(two):
    # Policies: the creditor may be empty (shipped), so the filter shows even with one creditor.
    mine, theirs = two
    agent, _ = agent_of(mine)

    page = agent.get(url(Policy, "changelist"))

    creditor_filter = next(
        spec for spec in page.context["cl"].filter_specs if spec.field_path == "creditor"
    )
    assert [pk for pk, _ in creditor_filter.lookup_choices] == [mine.pk]
    assert theirs.name not in page.content.decode()


def test_filtering_by_another_creditor_shows_nothing(two):
    mine, theirs = two
    make_debtor(theirs)
    agent, _ = agent_of(mine)

    page = agent.get(url(Debtor, "changelist"), {"creditor__id__exact": theirs.pk})

    assert listed(page) == set()


def test_the_add_form_offers_only_the_users_creditor_and_debtors(two):
    mine, theirs = two
    own = make_debtor(mine)
    make_debtor(theirs)
    agent, _ = agent_of(mine)

    form = agent.get(url(Debt, "add")).context["adminform"].form

    assert list(form.fields["creditor"].queryset) == [mine]
    assert list(form.fields["debtor"].queryset) == [own]
    assert form.fields["creditor"].required


def test_a_debt_for_another_creditors_debtor_is_refused_and_nothing_is_saved(two):
    mine, theirs = two
    their_debtor = make_debtor(theirs)
    agent, _ = agent_of(mine)

    response = agent.post(
        url(Debt, "add"),
        {
            "creditor": theirs.pk, "debtor": their_debtor.pk, "external_id": "F-1",
            "currency": "COP", "amount": "1000", "issued_on": "2026-10-01",
            "due_on": "2026-11-01", "status": "open",
        },
    )  # fmt: skip

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"creditor", "debtor"}
    assert not Debt.objects.exists()


def test_the_outbox_is_read_only_in_the_admin_even_for_a_superuser(two):
    mine, _theirs = two
    row = _outreach(mine)
    admin_user = User.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(admin_user)

    assert client.get(url(Outreach, "add")).status_code == 403
    page = client.get(url(Outreach, "change", row.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    client.post(url(Outreach, "change", row.pk), {"status": "cancelled"})
    row.refresh_from_db()
    assert row.status == "planned"


def test_a_raw_id_box_refuses_and_does_not_name_another_creditors_row(two):
    mine, theirs = two
    row = _thread(mine)
    stranger = make_debtor(theirs, full_name="Nombre Que No Debe Verse")
    agent, _ = agent_of(mine)

    form = agent.get(url(Thread, "change", row.pk)).context["adminform"].form
    widget = form.fields["debtor"].widget

    assert list(form.fields["debtor"].queryset) == [row.debtor]
    assert widget.label_and_url_for_value(stranger.pk) == ("", "")
    assert widget.label_and_url_for_value(row.debtor.pk)[0] == str(row.debtor)


def test_an_action_never_reaches_another_creditors_rows(two):
    mine, theirs = two
    theirs_request = ROW_OF["payments.DebtorRequest"](theirs)
    agent, _ = agent_of(mine)

    agent.post(
        url(DebtorRequest, "changelist"),
        {"action": "approve", "_selected_action": [theirs_request.pk], "index": 0},
    )
    agent.post(
        url(Debtor, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [theirs_request.debtor_id],
            "post": "yes",
        },
    )

    theirs_request.refresh_from_db()
    assert theirs_request.status == "pending"
    assert Debtor.objects.filter(pk=theirs_request.debtor_id).exists()


def test_the_last_check_refuses_a_row_of_another_creditor(two):
    mine, theirs = two
    _, user = agent_of(mine)
    request = RequestFactory().post("/admin/")
    request.user = user
    debtor_admin = admin.site.get_model_admin(Debtor)

    with pytest.raises(PermissionDenied):
        debtor_admin.check_creditor(request, Debtor(creditor=theirs, full_name="X"))
    debtor_admin.check_creditor(request, Debtor(creditor=mine, full_name="X"))


# --- Rows of no creditor ------------------------------------------------------------------


@pytest.mark.parametrize("model", [Policy, Segment, Template], ids=lambda m: m.__name__)
def test_shipped_defaults_are_read_but_not_changed_by_an_agent(two, model):
    mine, _ = two
    shipped = model.objects.filter(creditor__isnull=True).first()  # made by migrate
    own = ROW_OF[model._meta.label](mine)
    agent, _ = agent_of(mine)

    assert shipped.pk in listed(agent.get(url(model, "changelist")))
    page = agent.get(url(model, "change", shipped.pk))
    refused = agent.post(url(model, "change", shipped.pk), {"name": "Cambiada", "key": "x"})
    deleted = agent.post(url(model, "delete", shipped.pk), {"post": "yes"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    for inline in page.context["inline_admin_formsets"]:  # a policy's steps
        assert not (inline.has_add_permission or inline.has_change_permission)
        assert not inline.has_delete_permission
    assert (refused.status_code, deleted.status_code) == (403, 403)
    assert model.objects.filter(pk=shipped.pk, creditor__isnull=True).exists()
    assert agent.get(url(model, "change", own.pk)).context["has_change_permission"] is True


def test_deleting_a_selection_with_a_shipped_default_deletes_nothing(two):
    mine, _ = two
    shipped = Template.objects.filter(creditor__isnull=True).first()
    own = ROW_OF["policies.Template"](mine)
    agent, _ = agent_of(mine)

    agent.post(
        url(Template, "changelist"),
        {"action": "delete_selected", "_selected_action": [shipped.pk, own.pk], "post": "yes"},
    )

    assert Template.objects.filter(pk__in=[shipped.pk, own.pk]).count() == 2


def test_an_agent_cannot_make_a_shipped_default(two):
    mine, _ = two
    agent, _ = agent_of(mine)
    before = Policy.objects.filter(creditor__isnull=True).count()

    response = agent.post(url(Policy, "add"), {"code": "nueva", "name": "Nueva", "active": "on"})

    assert response.status_code == 200
    assert "creditor" in response.context["adminform"].form.errors
    assert Policy.objects.filter(creditor__isnull=True).count() == before


def test_an_agent_reads_groups_but_cannot_change_them(two):
    mine, _ = two
    group = Group.objects.create(name="Supervisores")
    agent, _ = agent_of(mine)

    assert agent.get(url(Group, "change", group.pk)).status_code == 200
    assert agent.post(url(Group, "change", group.pk), {"name": "Otros"}).status_code == 403
    assert agent.post(url(Group, "add"), {"name": "Nuevo"}).status_code == 403
    group.refresh_from_db()
    assert group.name == "Supervisores"
    assert not Group.objects.filter(name="Nuevo").exists()


def test_staff_tied_to_no_creditor_see_every_creditor_as_in_the_inbox(two):
    mine, theirs = two
    rows = {_debtor(mine).pk, _debtor(theirs).pk}
    user = User.objects.create_user("equipo", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.all())
    browser = Client()
    browser.force_login(user)

    assert listed(browser.get(url(Debtor, "changelist"))) == rows


# --- The staff's accounts: no way out of the creditor ------------------------------------------


def test_an_agent_cannot_add_a_creditor(two):
    mine, _ = two
    agent, _ = agent_of(mine)
    before = Creditor.objects.count()

    response = agent.post(
        url(Creditor, "add"),
        {"name": "Otra", "country": "CO", "default_currency": "COP", "brand_name": "Otra"},
    )

    assert response.status_code == 403
    assert Creditor.objects.count() == before


def test_a_user_made_by_an_agent_is_tied_to_the_agents_creditor(two):
    mine, _ = two
    agent, _ = agent_of(mine)

    response = agent.post(
        url(User, "add"),
        {"username": "nuevo", "password1": "una-clave-larga-123", "password2":
         "una-clave-larga-123", "usable_password": "true"},
    )  # fmt: skip

    assert response.status_code == 302
    assert User.objects.get(username="nuevo").memberships.get().creditor == mine


def test_an_agent_sees_no_superuser_and_cannot_make_one(two):
    mine, _ = two
    agent, user = agent_of(mine)
    boss = User.objects.create_superuser("jefa", "jefa@example.com", "x")
    AgentProfile.objects.create(user=boss, creditor=mine)

    assert boss.pk not in listed(agent.get(url(User, "changelist")))
    assert agent.get(url(User, "change", boss.pk)).status_code == 404
    assert agent.get(url(User, "password_change", boss.pk)).status_code == 404
    form = agent.get(url(User, "change", user.pk)).context["adminform"]
    assert "is_superuser" in form.readonly_fields
    agent.post(
        url(User, "change", user.pk),
        {"username": user.username, "is_active": "on", "is_staff": "on", "is_superuser": "on",
         "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"},
    )  # fmt: skip
    user.refresh_from_db()
    assert not user.is_superuser


def test_an_agent_can_neither_delete_nor_repoint_nor_empty_a_profile(two):
    mine, theirs = two
    agent, _ = agent_of(mine)
    colleague = ROW_OF["conversations.AgentProfile"](mine)

    deleted = agent.post(url(AgentProfile, "delete", colleague.pk), {"post": "yes"})
    page = agent.get(url(AgentProfile, "change", colleague.pk))
    emptied = agent.post(url(AgentProfile, "change", colleague.pk), {"creditor": ""})
    moved = agent.post(url(AgentProfile, "change", colleague.pk), {"creditor": theirs.pk})

    assert deleted.status_code == 403
    assert "user" in page.context["adminform"].readonly_fields
    assert set(emptied.context["adminform"].form.errors) == {"creditor"}
    assert set(moved.context["adminform"].form.errors) == {"creditor"}
    colleague.refresh_from_db()
    assert colleague.creditor == mine


@pytest.mark.parametrize("label", ["reports.ExportRecord", "payments.NonPaymentReason"])
def test_export_records_and_non_payment_reasons_are_read_only_even_for_a_superuser(label):
    mine = make_creditor()
    row = ROW_OF[label](mine)
    browser = superuser()
    model = apps.get_model(label)
    before = list(model._default_manager.values())

    page = browser.get(url(model, "change", row.pk))
    changed = browser.post(url(model, "change", row.pk), {"actor": "otro", "detail": "x"})
    deleted = browser.post(url(model, "delete", row.pk), {"post": "yes"})
    added = browser.get(url(model, "add"))

    assert page.status_code == 200
    assert (changed.status_code, deleted.status_code, added.status_code) == (403, 403, 403)
    assert list(model._default_manager.values()) == before
