"""The template editor: live preview with the real renderer per country, the placeholders,
the SMS counter, WhatsApp's parameters and approval, and a test send to the sandbox."""

from __future__ import annotations

import copy

import httpx
import pytest
from django.conf import settings

from recaudo.delivery.channels.registry import reset_channels
from recaudo.policies.models import StrategyChange, Template
from recaudo.roles import AGENT, AUDITOR, SUPERVISOR
from recaudo.sandbox.config import Behaviour, Credentials
from recaudo.sandbox.runner import BackgroundSandbox
from recaudo.sandbox.state import Sandbox
from tests.factories import make_creditor, make_debtor
from tests.sandbox.support import Receiver
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db
SANDBOX_PHONE = "+573009990001"


@pytest.fixture
def creditor():
    creditor = make_creditor(country="CO")
    make_debtor(creditor, country="MX")
    return creditor


@pytest.fixture
def sms(creditor):
    return Template.objects.create(
        creditor=creditor, key="due_today", channel="sms", language="es",
        body="{{ marca }}: hola {{ nombre }}, tu pago de {{ total }} vence hoy. {{ enlace_pago }}",
    )  # fmt: skip


@pytest.fixture
def whatsapp(creditor):
    return Template.objects.create(
        creditor=creditor, key="due_today", channel="whatsapp", language="es",
        body="Hola {{ nombre }}, tu pago de {{ total }} vence hoy.",
        whatsapp_template_name="pago_hoy", whatsapp_template_language="es",
        whatsapp_parameters=["nombre", "total"],
    )  # fmt: skip


@pytest.fixture
def supervisor(creditor):
    return browser_of(staff("sofia", SUPERVISOR, creditor))


def test_the_preview_renders_for_a_debtor_of_each_country_with_the_sms_counter(sms, supervisor):
    response = supervisor.post(
        f"/equipo/plantillas/{sms.pk}/vista-previa",
        {"language": "es", "body": "{{ marca }}: {{ nombre }}, debes {{ total }}.", "register": ""},
    )

    previews = response.context["previews"]
    assert [shown.country for shown in previews] == ["CO", "MX"]
    colombia, mexico = previews
    assert colombia.text == f"{sms.creditor.brand_name}: Camila, debes $185.000,00."
    assert mexico.text == f"{sms.creditor.brand_name}: Camila, debes $185,000.00."
    assert (colombia.sms.encoding, colombia.sms.segments) == ("gsm7", 1)
    assert colombia.sms.characters == len(colombia.text)
    assert 'data-sms="1"' in response.content.decode()
    sms.refresh_from_db()
    assert sms.version == 1  # a preview saves nothing


def test_an_accent_switches_the_counter_to_ucs2_with_its_segments(sms, supervisor):
    body = "{{ nombre }} " + "á" * 80

    response = supervisor.post(f"/equipo/plantillas/{sms.pk}/vista-previa", {"body": body})

    counted = response.context["previews"][0].sms
    assert (counted.encoding, counted.characters, counted.segments, counted.per_segment) == (
        "ucs2", 87, 2, 67,
    )  # fmt: skip


def test_an_rcs_template_previews_with_its_accents_and_the_cards_bytes_not_sms_segments(
    creditor, supervisor
):
    shipped = Template.objects.get(creditor__isnull=True, key="due_today", channel="rcs",
                                   language="es", register="")  # fmt: skip
    rcs = Template.objects.create(creditor=creditor, key="due_today", channel="rcs",
                                  language="es", body=shipped.body)  # fmt: skip

    response = supervisor.post(f"/equipo/plantillas/{rcs.pk}/vista-previa", {"body": rcs.body})
    too_long = supervisor.post(
        f"/equipo/plantillas/{rcs.pk}/vista-previa", {"body": "{{ nombre }} " + "ñ" * 1000}
    )

    colombia = response.context["previews"][0]
    assert colombia.text.startswith("Hola Camila, te escribimos de ")
    assert colombia.text.endswith("Si ya pagaste, ¡gracias!")
    assert colombia.sms is None
    assert colombia.rcs_bytes == len(colombia.text.encode()) < 2000
    html = response.content.decode()
    assert f'data-rcs-bytes="{colombia.rcs_bytes}"' in html
    assert f"{colombia.rcs_bytes} de 2000 bytes de la tarjeta RCS" in html
    assert "data-sms" not in html and "data-rcs-no-card" not in html
    assert too_long.context["previews"][0].rcs_bytes == len("Camila ") + 2000
    assert "data-rcs-no-card" in too_long.content.decode()


def test_an_unknown_placeholder_is_named_in_the_preview_and_refused_on_save(sms, supervisor):
    data = {"language": "es", "register": "", "tone": "", "body": "Hola {{ apodo }}"}

    preview = supervisor.post(f"/equipo/plantillas/{sms.pk}/vista-previa", data)
    saved = supervisor.post(f"/equipo/plantillas/{sms.pk}/", data)

    assert preview.context["previews"][0].error.startswith(
        "Marcador desconocido: {{ apodo }}. Los marcadores disponibles son: nombre, "
    )
    assert saved.status_code == 400
    sms.refresh_from_db()
    assert "apodo" not in sms.body
    assert not StrategyChange.objects.exists()


def test_saving_a_template_bumps_its_version_and_is_audited(sms, supervisor):
    body = "{{ marca }}: {{ nombre }}, paga hoy {{ total }} en {{ enlace_pago }}"

    response = supervisor.post(
        f"/equipo/plantillas/{sms.pk}/",
        {"language": "es", "register": "tu", "tone": "preventive", "body": body},
    )

    assert response.status_code == 302
    sms.refresh_from_db()
    assert (sms.body, sms.register, sms.version) == (body, "tu", 2)
    change = StrategyChange.objects.get(kind="template", object_id=sms.pk)
    assert (change.before["register"], change.after["register"]) == ("", "tu")
    assert change.after["body"] == body


def test_the_editor_lists_the_placeholders_and_the_whatsapp_parameter_mapping(
    whatsapp, supervisor, settings
):
    settings.SANDBOX_ENABLED = False

    page = supervisor.get(f"/equipo/plantillas/{whatsapp.pk}/")

    body = page.content.decode()
    assert "<code>{{ enlace_pago }}</code>" in body
    assert [row[:2] for row in page.context["previews"][0].parameters] == [
        (1, "nombre"), (2, "total"),
    ]  # fmt: skip
    assert page.context["whatsapp_status"] == (
        "La aprobación se consulta en el administrador de WhatsApp de Meta."
    )


def test_a_gap_in_the_whatsapp_parameters_is_refused(whatsapp, supervisor):
    response = supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/",
        {
            "language": "es", "body": whatsapp.body, "whatsapp_template_name": "pago_hoy",
            "whatsapp_parameters_0": "nombre", "whatsapp_parameters_1": "",
            "whatsapp_parameters_2": "total",
        },
    )  # fmt: skip

    assert response.status_code == 400
    assert "El parámetro {{2}} está vacío y hay otros después." in response.content.decode()


def test_a_supervisor_copies_a_default_template_into_their_creditor_in_english(
    creditor, supervisor
):
    shared = Template.objects.filter(creditor__isnull=True, channel="sms").first()

    response = supervisor.post(
        f"/equipo/plantillas/{shared.pk}/copiar",
        {"acreedor": str(creditor.pk), "language": "en", "register": ""},
    )

    own = Template.objects.get(creditor=creditor, key=shared.key, channel="sms", language="en")
    assert response["Location"] == f"/equipo/plantillas/{own.pk}/"
    assert own.body == shared.body


def test_readers_and_agents_cannot_save_nor_test_send(sms, creditor):
    for role in (AGENT, AUDITOR):
        client = browser_of(staff(f"user-{role}", role, creditor))
        page = client.get(f"/equipo/plantillas/{sms.pk}/")
        assert page.status_code == 200
        assert 'id="test-form"' not in page.content.decode()
        assert client.post(f"/equipo/plantillas/{sms.pk}/", {"body": "x"}).status_code == 403
        assert (
            client.post(f"/equipo/plantillas/{sms.pk}/prueba", {"to": SANDBOX_PHONE}).status_code
            == 403
        )
    sms.refresh_from_db()
    assert sms.version == 1


# --- The test send -----------------------------------------------------------------------


@pytest.fixture
def sandbox(settings):
    receiver = Receiver().start()
    behaviour = Behaviour(
        webhook_base_url=receiver.url, read_probability=1.0, out_of_order_probability=0.0,
        duplicate_probability=0.0, min_delay_seconds=0.05, max_delay_seconds=0.06,
    )  # fmt: skip
    fake = Sandbox(Credentials(), behaviour, seed=7)
    with BackgroundSandbox(fake, smtp_port=None) as running:
        channels = copy.deepcopy(settings.CHANNELS)
        channels["sms"]["base_url"] = f"{running.url}/twilio"
        channels["whatsapp"]["base_url"] = f"{running.url}/whatsapp/v21.0"
        settings.CHANNELS = channels
        settings.SANDBOX_URL = running.url
        settings.SANDBOX_ENABLED = True
        reset_channels()
        yield running.url, fake
    reset_channels()
    receiver.stop()


def _received(url: str, address: str) -> list[dict]:
    return httpx.get(f"{url}/_sandbox/messages", params={"address": address}).json()["messages"]


def test_a_test_send_goes_through_the_real_sms_channel_to_the_sandbox(sms, supervisor, sandbox):
    url, _fake = sandbox

    response = supervisor.post(
        f"/equipo/plantillas/{sms.pk}/prueba", {"to": SANDBOX_PHONE, "country": "MX"}
    )

    assert response.status_code == 302
    received = _received(url, SANDBOX_PHONE)
    assert [message["channel"] for message in received] == ["sms"]
    assert received[0]["text"].startswith(
        f"{sms.creditor.brand_name}: hola Camila, tu pago de $185,000.00"
    )
    change = StrategyChange.objects.get(kind="test_send", object_id=sms.pk)
    assert (change.after["to"], change.after["outcome"]) == (SANDBOX_PHONE, "accepted")


def test_whatsapp_approval_comes_from_the_sandbox_and_an_unapproved_send_is_refused(
    whatsapp, supervisor, sandbox
):
    url, fake = sandbox

    before = supervisor.get(f"/equipo/plantillas/{whatsapp.pk}/").context["whatsapp_status"]
    refused = supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/prueba", {"to": SANDBOX_PHONE, "country": "CO"}
    )
    fake.catalog.register("pago_hoy", "es", 2)
    after = supervisor.get(f"/equipo/plantillas/{whatsapp.pk}/").context["whatsapp_status"]
    supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/prueba", {"to": SANDBOX_PHONE, "country": "CO"}
    )

    assert before == "No aprobada en el sandbox (pago_hoy, es)."
    assert after == "Aprobada en el sandbox."
    assert refused.status_code == 302
    outcomes = list(
        StrategyChange.objects.filter(kind="test_send")
        .order_by("pk")
        .values_list("after", flat=True)
    )
    assert [(o["outcome"], o["error_code"]) for o in outcomes] == [
        ("fallback", "132001"), ("accepted", ""),
    ]  # fmt: skip
    received = _received(url, SANDBOX_PHONE)
    assert len(received) == 1 and "Camila" in received[0]["text"]


def test_a_test_send_to_a_debtors_number_or_to_a_real_provider_is_refused(
    sms, supervisor, sandbox, settings, creditor
):
    make_debtor(creditor, phone="+573001234567")
    to_debtor = supervisor.post(
        f"/equipo/plantillas/{sms.pk}/prueba", {"to": "+57 300 123 4567", "country": "CO"}
    )
    channels = copy.deepcopy(settings.CHANNELS)
    channels["sms"]["base_url"] = "https://api.twilio.com"
    settings.CHANNELS = channels
    to_twilio = supervisor.post(
        f"/equipo/plantillas/{sms.pk}/prueba", {"to": SANDBOX_PHONE, "country": "CO"}
    )

    assert to_debtor.status_code == to_twilio.status_code == 302
    flashes = [str(message) for message in to_twilio.wsgi_request._messages]
    assert flashes == [
        "Esa dirección es de un deudor: la prueba va solo a un número o correo de prueba.",
        "El canal sms apunta a un proveedor real, no al sandbox.",
    ]
    assert not StrategyChange.objects.filter(kind="test_send").exists()


def test_moving_a_template_onto_another_version_of_it_is_refused(sms, supervisor):
    english = Template.objects.create(
        creditor=sms.creditor, key="due_today", channel="sms", language="en", body="Hi"
    )

    response = supervisor.post(
        f"/equipo/plantillas/{sms.pk}/", {"language": "en", "register": "", "body": "Hola"}
    )

    assert response.status_code == 400
    assert "Ya hay una versión de esta plantilla en ese idioma y trato" in response.content.decode()
    sms.refresh_from_db()
    english.refresh_from_db()
    assert (sms.language, sms.body, english.body) == ("es", sms.body, "Hi")


def _whatsapp_post(template, **fields):
    form = {
        "language": "es", "body": template.body, "whatsapp_template_name": "pago_hoy",
        "whatsapp_template_language": "es",
        "whatsapp_parameters_0": "nombre", "whatsapp_parameters_1": "total",
    }  # fmt: skip
    form.update(fields)
    return form


def test_the_editor_saves_the_statement_and_the_quick_replies_of_a_whatsapp_template(
    whatsapp, supervisor
):
    response = supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/",
        _whatsapp_post(
            whatsapp, attach_statement="on", whatsapp_quick_replies="pay\r\n agent \n\npaid"
        ),
    )

    assert response.status_code == 302
    whatsapp.refresh_from_db()
    assert whatsapp.attach_statement is True
    assert whatsapp.whatsapp_quick_replies == ["pay", "agent", "paid"]
    assert whatsapp.version == 2
    change = StrategyChange.objects.get(kind="template")
    assert change.after["whatsapp_quick_replies"] == ["pay", "agent", "paid"]
    page = supervisor.get(f"/equipo/plantillas/{whatsapp.pk}/").content.decode()
    assert 'id="id_attach_statement" checked>' in page
    assert 'id="id_whatsapp_quick_replies">\npay\nagent\npaid</textarea>' in page


def test_eleven_quick_replies_are_refused_with_the_models_error_on_the_field(whatsapp, supervisor):
    replies = "\n".join(f"r{n}" for n in range(11))

    response = supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/",
        _whatsapp_post(whatsapp, whatsapp_quick_replies=replies),
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["whatsapp_quick_replies"] == [
        "Una plantilla de WhatsApp tiene a lo sumo 10 botones."
    ]
    assert "Respuestas rápidas de la plantilla de WhatsApp: " in response.content.decode()
    whatsapp.refresh_from_db()
    assert (whatsapp.whatsapp_quick_replies, whatsapp.version) == ([], 1)


def test_a_quick_reply_longer_than_metas_limit_is_refused_on_the_field(whatsapp, supervisor):
    response = supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/",
        _whatsapp_post(whatsapp, whatsapp_quick_replies="x" * 257),
    )

    assert response.context["form"].errors["whatsapp_quick_replies"] == [
        "Las respuestas rápidas deben ser una lista de textos de 1 a 256 caracteres."
    ]


def test_the_live_preview_shows_the_statement_and_the_quick_reply_buttons(whatsapp, supervisor):
    response = supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/vista-previa",
        _whatsapp_post(whatsapp, attach_statement="on", whatsapp_quick_replies="pay\nagent\nlater"),
    )  # fmt: skip

    shown = response.context["previews"][0]
    assert shown.statement == "estado-de-cuenta.pdf"
    assert shown.quick_replies == [
        ("pay", "Pagar: el bot envía el enlace de pago"),
        ("agent", "Hablar con un asesor: pasa a una persona"),
        ("later", "el bot no conoce este identificador"),
    ]
    assert shown.extras_note == ""
    page = response.content.decode()
    assert (
        "Va con el estado de cuenta en PDF (estado-de-cuenta.pdf, documento del encabezado de "
        "la plantilla aprobada)."
    ) in page
    assert page.count('data-payload="pay"') == len(response.context["previews"])


def test_without_an_approved_template_the_preview_says_the_statement_would_not_go(
    whatsapp, supervisor
):
    response = supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/vista-previa",
        _whatsapp_post(whatsapp, attach_statement="on", whatsapp_template_name=""),
    )

    assert response.context["previews"][0].extras_note == (
        "Sin plantilla aprobada de WhatsApp no van ni el estado de cuenta ni los botones."
    )


def test_an_sms_template_offers_neither_the_statement_nor_quick_replies(sms, supervisor):
    page = supervisor.get(f"/equipo/plantillas/{sms.pk}/")

    form = page.context["form"]
    assert "attach_statement" not in form.fields
    assert "whatsapp_quick_replies" not in form.fields
    assert "data-statement" not in page.content.decode()


def test_the_statement_and_button_lines_of_the_preview_read_in_english_and_portuguese():
    from django.template.loader import render_to_string
    from django.utils import translation

    from recaudo.staff.template_editor import Preview, quick_reply_meanings

    def shown():
        return Preview(
            country="CO", language="es", text="Hola", statement="estado-de-cuenta.pdf",
            statement_where=str(translation.gettext("adjunto al correo")),
            quick_replies=[("pay", quick_reply_meanings()["pay"])],
        )  # fmt: skip

    with translation.override("en"):
        english = render_to_string("staff/_template_preview.html", {"previews": [shown()]})
    with translation.override("pt-br"):
        portuguese = render_to_string("staff/_template_preview.html", {"previews": [shown()]})

    assert (
        "The statement of account goes with it as a PDF "
        "(estado-de-cuenta.pdf, attached to the email)." in english
    )
    assert "Pay: the bot sends the payment link" in english
    assert (
        "Vai com o extrato da conta em PDF (estado-de-cuenta.pdf, anexado ao e-mail)." in portuguese
    )
    assert 'aria-label="Botões de resposta rápida"' in portuguese


def test_a_whatsapp_test_send_carries_the_statement_header_and_the_quick_replies_as_a_real_send(
    whatsapp, supervisor, sandbox
):
    url, fake = sandbox
    whatsapp.attach_statement = True
    whatsapp.whatsapp_quick_replies = ["pay", "agent", "paid"]
    whatsapp.save()
    # Approved as Meta would have it: a document header, the link button, three quick replies.
    fake.catalog.register("pago_hoy", "es", 2, header="document",
                          buttons=("url", "quick_reply", "quick_reply", "quick_reply"))  # fmt: skip

    response = supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/prueba", {"to": SANDBOX_PHONE, "country": "CO"}
    )

    assert response.status_code == 302
    change = StrategyChange.objects.get(kind="test_send")
    assert (change.after["outcome"], change.after["error_code"]) == ("accepted", "")
    [received] = _received(url, SANDBOX_PHONE)
    header, body, link, *replies = received["template"]["components"]
    assert header["parameters"] == [
        {
            "type": "document",
            "document": {
                "link": f"{settings.PUBLIC_BASE_URL}/p/AbC123/estado-de-cuenta.pdf",
                "filename": "estado-de-cuenta.pdf",
            },
        }
    ]
    assert [p["text"] for p in body["parameters"]] == ["Camila", "$185.000,00"]
    assert (link["sub_type"], link["parameters"]) == ("url", [{"type": "text", "text": "AbC123"}])
    assert [r["parameters"][0]["payload"] for r in replies] == ["pay", "agent", "paid"]
    assert [choice["id"] for choice in received["choices"]] == ["pay", "agent", "paid"]


def test_a_test_send_without_the_approved_header_is_refused_by_the_sandbox_as_meta_would(
    whatsapp, supervisor, sandbox
):
    _url, fake = sandbox
    whatsapp.attach_statement = True
    whatsapp.save()
    fake.catalog.register("pago_hoy", "es", 2, header="", buttons=("url",))

    supervisor.post(
        f"/equipo/plantillas/{whatsapp.pk}/prueba", {"to": SANDBOX_PHONE, "country": "CO"}
    )

    change = StrategyChange.objects.get(kind="test_send")
    assert (change.after["outcome"], change.after["error_code"]) == ("fallback", "132000")
