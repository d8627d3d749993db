"""Roles and scope on every staff page: another creditor's rows are a 404, and each role
does only what it may (issue 16, "Roles and scope")."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.contrib.auth.models import Permission, User

from recaudo.conversations.models import Message
from recaudo.integrations.models import Endpoint
from recaudo.learning import experiments
from recaudo.learning.experiments import VariantSpec
from recaudo.outreach.models import Outreach
from recaudo.payments.models import DebtorReport, InstalmentPlan, Promise
from recaudo.payments.reports import report_debts
from recaudo.policies.models import Policy, Step
from recaudo.portfolio.models import AuditEvent, ChannelConsent, Debtor
from recaudo.roles import AGENT, AUDITOR, CREDITOR_VIEWER, SUPERVISOR, role_of
from tests.factories import make_debt
from tests.staff.helpers import IMPORT_MAPPING, NOW, book, browser_of, staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def _with_report(one):
    """A "ya pagué" on a second debt, waiting for review, with its receipt."""
    second = make_debt(one.debtor, "40000.00", due_on=date(2026, 11, 10))
    (one.report,) = report_debts(
        one.debtor, [second.pk], kind="already_paid", reason="Pagué en el banco", source="portal"
    )
    one.report.receipt, one.report.receipt_type = b"\x89PNG\r\n\x1a\n" + bytes(16), "image/png"
    one.report.save(update_fields=["receipt", "receipt_type"])
    return one


@pytest.fixture
def books():
    return _with_report(book("+573001110201")), _with_report(book("+573001110202"))


IMPORT_COLUMNS = {f"column_{index}": name for index, name in enumerate(IMPORT_MAPPING)}

# Every staff URL that names one of a creditor's rows: (method, url template, data).
OBJECT_URLS = [
    ("get", "/equipo/deudores/{debtor}/", {}),
    ("post", "/equipo/deudores/{debtor}/pausar", {"until": "2026-11-30", "reason": "viaje"}),
    ("post", "/equipo/deudores/{debtor}/disputa", {"debts": "{debt}", "reason": "no es mía"}),
    ("post", "/equipo/deudores/{debtor}/enlace", {}),
    ("post", "/equipo/deudores/{debtor}/asignar", {"agent": "{me}", "reason": "llamar"}),
    ("post", "/equipo/pedidos/{request}/decidir", {"decision": "approve", "reason": "ok"}),
    ("post", "/equipo/deudores/{debtor}/contacto", {"kind": "phone", "value": "3105550199"}),
    (
        "post",
        "/equipo/deudores/{debtor}/contacto/{point}/estado",
        {"state": "disabled", "reason": "x"},
    ),
    (
        "post",
        "/equipo/deudores/{debtor}/contacto/{point}/consentimiento",
        {"channel": "sms", "granted": "1", "source": "x"},
    ),
    ("post", "/equipo/deudores/{debtor}/promesa", {"promised_on": "2026-11-27", "amount": "1000"}),
    ("post", "/equipo/deudores/{debtor}/plan", {"count": "2"}),
    ("get", "/equipo/deudores/{debtor}/domiciliacion/cancelar", {}),
    ("post", "/equipo/deudores/{debtor}/domiciliacion/cancelar", {}),
    ("get", "/equipo/revisiones/{report}/comprobante", {}),
    ("post", "/equipo/revisiones/{report}/decidir", {"decision": "reject", "reason": "no"}),
    ("get", "/bandeja/{thread}/", {}),
    ("post", "/bandeja/{thread}/reasignar", {"agent": "", "reason": "turno"}),
    ("get", "/bandeja/{thread}/registro.csv", {}),
    ("post", "/bandeja/{thread}/tomar", {}),
    ("post", "/bandeja/{thread}/nota", {"text": "hola"}),
    ("get", "/bandeja/llamadas/{call}/", {}),
    ("post", "/bandeja/llamadas/{call}/tomar", {}),
    ("get", "/equipo/resultados/cartera/?acreedor={creditor}", {}),
    ("get", "/equipo/resultados/canales/?acreedor={creditor}", {}),
    ("get", "/equipo/resultados/acuerdos/?acreedor={creditor}", {}),
    ("get", "/equipo/resultados/agentes/?acreedor={creditor}", {}),
    ("get", "/equipo/resultados/cumplimiento/?acreedor={creditor}", {}),
    ("get", "/equipo/resultados/cartera/aging.csv?acreedor={creditor}", {}),
    ("get", "/admin/portfolio/debtor/{debtor}/change/", {}),
    ("get", "/admin/payments/debtorrequest/{request}/change/", {}),
    ("get", "/admin/conversations/thread/{thread}/change/", {}),
    ("get", "/equipo/integraciones/{endpoint}/", {}),
    (
        "get",
        "/equipo/exportaciones/descargar",
        {"kind": "debts", "creditor": "{creditor}", "file_format": "csv"},
    ),
    (
        "get",
        "/equipo/exportaciones/descargar",
        {"kind": "reasons", "creditor": "{creditor}", "file_format": "xlsx"},
    ),
    ("get", "/equipo/importar/{job}/", {}),
    ("post", "/equipo/importar/{job}/columnas", IMPORT_COLUMNS),
    ("post", "/equipo/importar/{job}/confirmar", {}),
    ("post", "/equipo/importar/{job}/cancelar", {"remap": "1"}),
    ("post", "/equipo/importar/{job}/cancelar", {}),
    ("get", "/equipo/importar/?creditor={creditor}", {}),
]


def _endpoint(one) -> int | str:
    made, _ = Endpoint.objects.get_or_create(
        creditor=one.creditor,
        defaults={"name": "ERP", "url": "https://erp.example/h", "secret": "s"},
    )
    return made.pk


def _fill(text: str, other, me: User) -> str:
    return text.format(
        endpoint=_endpoint(other) if "{endpoint}" in text else "",
        point=other.debtor.contact_points.get().pk,
        report=other.report.pk,
        debtor=other.debtor.pk,
        debt=other.debt.pk,
        request=other.request.pk,
        thread=other.thread.pk,
        call=other.call.pk,
        job=other.import_job.pk,
        creditor=other.creditor.pk,
        me=me.pk,
    )


@pytest.mark.parametrize(("method", "url", "data"), OBJECT_URLS, ids=[u[1] for u in OBJECT_URLS])
def test_a_supervisor_of_creditor_a_gets_404_for_every_row_of_creditor_b(books, method, url, data):
    mine, theirs = books
    supervisor = staff("sofia", SUPERVISOR, mine.creditor)
    client = browser_of(supervisor)
    audit_before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    response = getattr(client, method)(
        _fill(url, theirs, supervisor),
        {key: _fill(value, theirs, supervisor) for key, value in data.items()},
    )

    assert response.status_code == 404
    # The same page over the supervisor's own creditor is there (not a 404 for everyone).
    own = getattr(client, method)(
        _fill(url, mine, supervisor),
        {key: _fill(value, mine, supervisor) for key, value in data.items()},
    )
    assert own.status_code in (200, 302)
    theirs.request.refresh_from_db()
    assert theirs.request.status == "pending"
    theirs.import_job.refresh_from_db()
    assert theirs.import_job.status == "checked"
    assert list(DebtorReport.objects.filter(debtor=theirs.debtor)) == [theirs.report]
    theirs.report.refresh_from_db()
    assert theirs.report.status == "pending"
    assert (
        not AuditEvent.objects.filter(debtor=theirs.debtor, pk__gt=audit_before)
        .exclude(kind__in=["debtor_created", "debt_created"])
        .exists()
    )


def test_lists_and_counts_show_only_the_users_creditors(books):
    mine, theirs = books
    client = browser_of(staff("sofia", SUPERVISOR, mine.creditor))

    home = client.get("/equipo/")
    debtors = client.get("/equipo/deudores/")
    approvals = client.get("/equipo/pedidos/")
    reviews = client.get("/equipo/revisiones/")
    queue = client.get("/bandeja/", {"estado": "waiting_agent"})

    assert [row[0].pk for row in reviews.context["rows"]] == [mine.report.pk]
    assert [thread.pk for thread in queue.context["threads"]] == [mine.thread.pk]
    assert [(c.reason, c.waiting) for c in queue.context["counts"]] == [("human", 1)]
    assert [c.pk for c in queue.context["creditors"]] == [mine.creditor.pk]
    work = home.context["work"]
    assert (work.queue, work.calls_due, work.approvals_waiting, work.reviews_waiting) == (
        1,
        1,
        1,
        1,
    )
    assert [d.pk for d in debtors.context["debtors"]] == [mine.debtor.pk]
    assert [row[0].pk for row in approvals.context["rows"]] == [mine.request.pk]
    assert theirs.debtor.full_name not in debtors.content.decode()


def test_a_user_of_two_creditors_sees_both_and_not_a_third(books):
    first, second = books
    third = book("+573001110203")
    client = browser_of(staff("marta", SUPERVISOR, first.creditor, second.creditor))

    debtors = client.get("/equipo/deudores/")

    assert {d.pk for d in debtors.context["debtors"]} == {first.debtor.pk, second.debtor.pk}
    assert client.get(f"/equipo/deudores/{third.debtor.pk}/").status_code == 404
    assert client.get(f"/equipo/deudores/{second.debtor.pk}/").status_code == 200


def test_an_agent_cannot_approve_a_discount_on_the_staff_page_nor_in_the_admin(books):
    mine, _ = books
    agent = staff("ana", AGENT, mine.creditor)
    agent.user_permissions.set(Permission.objects.filter(content_type__app_label="payments"))
    client = browser_of(agent)

    page = client.post(
        f"/equipo/pedidos/{mine.request.pk}/decidir", {"decision": "approve", "reason": "ok"}
    )
    client.post(
        "/admin/payments/debtorrequest/",
        {"action": "approve", "_selected_action": [mine.request.pk], "index": 0},
    )

    assert page.status_code == 403
    mine.request.refresh_from_db()
    assert mine.request.status == "pending"
    assert not Outreach.objects.filter(template_key="discount_approved").exists()


def test_a_view_only_staff_user_from_before_roles_cannot_approve_in_the_admin(books):
    """The bug the issue names: view permission alone let a user run the approve action."""
    mine, _ = books
    user = User.objects.create_user("vista", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_debtorrequest"))
    client = browser_of(user)

    client.post(
        "/admin/payments/debtorrequest/",
        {"action": "approve", "_selected_action": [mine.request.pk], "index": 0},
    )

    mine.request.refresh_from_db()
    assert mine.request.status == "pending"


def test_a_supervisor_approves_with_a_reason_audited_and_the_debtor_is_told(books):
    mine, _ = books
    client = browser_of(staff("sofia", SUPERVISOR, mine.creditor))

    without = client.post(
        f"/equipo/pedidos/{mine.request.pk}/decidir", {"decision": "approve", "reason": " "}
    )
    mine.request.refresh_from_db()
    assert without.status_code == 302 and mine.request.status == "pending"

    client.post(
        f"/equipo/pedidos/{mine.request.pk}/decidir",
        {"decision": "approve", "reason": "cliente de 10 años, pierde el empleo"},
    )

    mine.request.refresh_from_db()
    assert (mine.request.status, mine.request.decided_by) == ("approved", "staff:sofia")
    event = AuditEvent.objects.get(kind="request_decided")
    assert (event.debtor_id, event.actor) == (mine.debtor.pk, "staff:sofia")
    assert event.data == {
        "request": mine.request.pk,
        "kind": "discount",
        "status": "approved",
        "reason": "cliente de 10 años, pierde el empleo",
    }
    notice = Outreach.objects.get(template_key="discount_approved")
    assert notice.debtor_id == mine.debtor.pk
    assert notice.notice_key == f"request-decided:{mine.request.pk}"


def test_a_supervisor_refusing_tells_the_debtor_too(books):
    mine, _ = books
    client = browser_of(staff("sofia", SUPERVISOR, mine.creditor))

    client.post(
        f"/equipo/pedidos/{mine.request.pk}/decidir", {"decision": "refuse", "reason": "política"}
    )

    mine.request.refresh_from_db()
    assert mine.request.status == "refused"
    assert Outreach.objects.filter(template_key="request_refused", debtor=mine.debtor).count() == 1
    assert AuditEvent.objects.get(kind="request_decided").data["reason"] == "política"


# Every change a staff user can ask for, on their own creditor's rows.
WRITES = [
    ("/equipo/deudores/{debtor}/pausar", {"until": "2026-11-30", "reason": "viaje"}),
    ("/equipo/deudores/{debtor}/disputa", {"debts": "{debt}", "reason": "no es mía"}),
    ("/equipo/deudores/{debtor}/enlace", {}),
    ("/equipo/deudores/{debtor}/asignar", {"agent": "{me}", "reason": "llamar"}),
    ("/equipo/pedidos/{request}/decidir", {"decision": "approve", "reason": "ok"}),
    ("/equipo/deudores/{debtor}/contacto", {"kind": "phone", "value": "3105550199"}),
    ("/equipo/deudores/{debtor}/contacto/{point}/estado", {"state": "disabled", "reason": "x"}),
    (
        "/equipo/deudores/{debtor}/contacto/{point}/consentimiento",
        {"channel": "sms", "granted": "1", "source": "x"},
    ),
    ("/equipo/deudores/{debtor}/promesa", {"promised_on": "2026-11-27", "amount": "1000"}),
    ("/equipo/deudores/{debtor}/plan", {"count": "2"}),
    ("/equipo/deudores/{debtor}/domiciliacion/cancelar", {}),
    ("/equipo/revisiones/{report}/decidir", {"decision": "reject", "reason": "no"}),
    ("/bandeja/{thread}/reasignar", {"agent": "", "reason": "turno"}),
    ("/bandeja/{thread}/tomar", {}),
    ("/bandeja/{thread}/responder", {"text": "hola"}),
    ("/bandeja/{thread}/nota", {"text": "hola"}),
    ("/bandeja/{thread}/devolver", {"close": "1"}),
    ("/bandeja/llamadas/{call}/tomar", {}),
    ("/bandeja/llamadas/{call}/registrar", {"outcome": "refused"}),
    ("/admin/portfolio/debtor/{debtor}/change/", {"full_name": "Otro"}),
    ("/admin/payments/debtorrequest/", {"action": "approve", "_selected_action": "{request}"}),
    ("/admin/portfolio/debtor/{debtor}/delete/", {"post": "yes"}),
    ("/equipo/importar/{job}/columnas", IMPORT_COLUMNS),
    ("/equipo/importar/{job}/confirmar", {}),
    ("/equipo/importar/{job}/cancelar", {}),
]


def _snapshot(one) -> tuple:
    one.request.refresh_from_db()
    one.thread.refresh_from_db()
    one.call.refresh_from_db()
    one.debt.refresh_from_db()
    one.import_job.refresh_from_db()
    return (
        one.import_job.status,
        one.request.status,
        one.thread.state,
        one.thread.assigned_to_id,
        one.call.status,
        one.debt.status,
        Debtor.objects.get(pk=one.debtor.pk).full_name,
        Message.objects.filter(thread=one.thread).count(),
        Outreach.objects.filter(debtor=one.debtor).count(),
        DebtorReport.objects.filter(debtor=one.debtor).count(),
        DebtorReport.objects.get(pk=one.report.pk).status,
        sorted(one.debtor.contact_points.values_list("value", "invalid_reason")),
        ChannelConsent.objects.filter(contact_point__debtor=one.debtor).count(),
        Promise.objects.filter(debtor=one.debtor).count(),
        InstalmentPlan.objects.filter(debtor=one.debtor).count(),
        AuditEvent.objects.filter(debtor=one.debtor).count(),
    )


@pytest.mark.parametrize("role", [CREDITOR_VIEWER, AUDITOR])
@pytest.mark.parametrize(("url", "data"), WRITES, ids=[w[0] for w in WRITES])
def test_a_creditor_viewer_and_an_auditor_change_nothing(books, role, url, data):
    mine, _ = books
    reader = staff("lectora", role, mine.creditor)
    client = browser_of(reader)
    before = _snapshot(mine)

    response = client.post(
        _fill(url, mine, reader), {key: _fill(value, mine, reader) for key, value in data.items()}
    )

    assert response.status_code in (403, 200)  # the admin's changelist answers 200, unchanged
    assert _snapshot(mine) == before


def test_a_creditor_viewer_sees_only_their_client_and_no_action_buttons(books):
    mine, theirs = books
    client = browser_of(staff("cliente", CREDITOR_VIEWER, mine.creditor))

    page = client.get(f"/equipo/deudores/{mine.debtor.pk}/").content.decode()
    listed = client.get("/equipo/deudores/").context["debtors"]

    assert [d.pk for d in listed] == [mine.debtor.pk]
    assert client.get(f"/equipo/deudores/{theirs.debtor.pk}/").status_code == 404
    assert "/pausar" not in page and "/enlace" not in page
    assert client.get(f"/admin/portfolio/debtor/{theirs.debtor.pk}/change/").status_code == 404


def test_a_creditor_viewer_tied_to_no_client_sees_nothing(books):
    client = browser_of(staff("nadie", CREDITOR_VIEWER))

    assert list(client.get("/equipo/deudores/").context["debtors"]) == []
    assert client.get(f"/equipo/deudores/{books[0].debtor.pk}/").status_code == 404


def test_an_auditor_reads_every_creditor(books):
    mine, theirs = books
    client = browser_of(staff("auditora", AUDITOR))

    for one in (mine, theirs):
        assert client.get(f"/equipo/deudores/{one.debtor.pk}/").status_code == 200
        assert client.get(f"/admin/portfolio/debtor/{one.debtor.pk}/change/").status_code == 200
        assert client.get(f"/bandeja/{one.thread.pk}/registro.csv").status_code == 200
    approvals = client.get("/equipo/pedidos/")
    assert {row[0].pk for row in approvals.context["rows"]} == {
        mine.request.pk,
        theirs.request.pk,
    }
    assert approvals.context["may_approve"] is False


def test_staff_from_before_roles_work_as_agents(books):
    user = User.objects.create_user("antigua", password="x", is_staff=True)

    assert role_of(user) == AGENT
    assert role_of(User.objects.create_superuser("jefa", password="x")) == "admin"
    assert role_of(User(username="deudor", is_staff=False, is_active=True)) == ""


def test_the_debtor_search_finds_by_id_phone_or_part_of_the_name_within_scope(books):
    mine, theirs = books
    client = browser_of(staff("sofia", SUPERVISOR, mine.creditor))

    def found(query: str) -> list[int]:
        return [d.pk for d in client.get("/equipo/deudores/", {"q": query}).context["debtors"]]

    assert found(mine.debtor.external_id) == [mine.debtor.pk]
    assert found("+57 300 111 0201") == [mine.debtor.pk]
    assert found("número " + mine.debtor.full_name.split()[-1]) == [mine.debtor.pk]
    assert found(theirs.debtor.external_id) == []
    assert found("+573001110202") == []  # the other creditor's phone


# The experiments pages (recaudo/learning/views.py): the same scope, by the experiment's creditor.
EXPERIMENT_URLS = [
    ("get", "/equipo/experimentos/{experiment}/"),
    ("post", "/equipo/experimentos/{experiment}/iniciar"),
    ("post", "/equipo/experimentos/{experiment}/detener"),
    ("post", "/equipo/experimentos/{experiment}/aplicar"),
]


def _experiment_of(book_, user):
    policy = Policy.objects.create(creditor=book_.creditor, code="propia", name="Propia")
    step = Step.objects.create(
        policy=policy, offset_days=0, action="message", channels=["sms"],
        template_key="due_today", tone="preventive",
    )  # fmt: skip
    return experiments.create(
        book_.creditor, step, user, name="Prueba",
        variants=[VariantSpec("A"), VariantSpec("B", template_key="overdue_early")],
    )  # fmt: skip


@pytest.mark.parametrize(("method", "url"), EXPERIMENT_URLS, ids=[u[1] for u in EXPERIMENT_URLS])
def test_a_supervisor_of_creditor_a_gets_404_for_creditor_bs_experiments(books, method, url):
    mine, theirs = books
    supervisor = staff("sofia", SUPERVISOR, mine.creditor)
    own = _experiment_of(mine, supervisor)
    other = _experiment_of(theirs, staff("otro", SUPERVISOR, theirs.creditor))
    client = browser_of(supervisor)

    response = getattr(client, method)(url.format(experiment=other.pk))

    assert response.status_code == 404
    assert getattr(client, method)(url.format(experiment=own.pk)).status_code in (200, 302)
    other.refresh_from_db()
    assert (other.status, other.events.count()) == ("draft", 1)
