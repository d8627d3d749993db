"""Message templates: checks on save, the sandbox, formatting, rendering, selection."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from recaudo.policies.models import Template
from recaudo.policies.rendering import (
    PLACEHOLDERS,
    RenderError,
    build_context,
    format_date,
    format_money,
    locale_for,
    render,
    sample_context,
    select_template,
    whatsapp_parameter_values,
)
from recaudo.policies.template_checks import template_errors
from recaudo.portfolio.statement import statement_lines
from tests.factories import make_creditor, make_debt, make_debtor

TODAY = date(2026, 12, 1)


def errors(body: str, *, channel: str = "sms", subject: str = "", parameters=None):
    return template_errors(
        subject=subject, body=body, channel=channel, whatsapp_parameters=parameters or []
    )


# --- Checks on save ----------------------------------------------------------


@pytest.mark.django_db
def test_a_template_with_an_unknown_placeholder_is_rejected_when_saved():
    before = Template.objects.count()

    with pytest.raises(ValidationError) as raised:
        Template.objects.create(
            key="recordatorio", channel="sms", language="es", body="Hola {{ apodo }}"
        )

    assert raised.value.message_dict["body"] == [
        "Marcador desconocido: {{ apodo }}. Los marcadores disponibles son: "
        + ", ".join(PLACEHOLDERS)
        + "."
    ]
    assert Template.objects.count() == before


@pytest.mark.django_db
def test_a_valid_template_is_saved(creditor):
    template = Template.objects.create(
        creditor=creditor,
        key="recordatorio",
        channel="sms",
        language="es",
        body="Hola {{ nombre }}, paga {{ total }} en {{ enlace_pago }}",
    )

    assert Template.objects.get(pk=template.pk).body.startswith("Hola {{ nombre }}")


def test_a_valid_template_has_no_errors():
    body = "{% for d in deudas %}{{ loop.index }}. {{ d.descripcion }} {{ d.monto }}{% endfor %}"

    assert errors(body, channel="email", subject="Hola {{ nombre }}") == {}


def test_every_unknown_placeholder_is_named():
    message = errors("{{ nombr }} y {{ monto }}")["body"]

    assert message.startswith("Marcador desconocido: {{ monto }}, {{ nombr }}.")


def test_a_syntax_error_message_names_the_line():
    body = "Hola {{ nombre }}\nDebes {{ total }\nGracias"

    assert errors(body) == {"body": "Error de sintaxis en la línea 2: unexpected '}'."}


def test_an_unclosed_block_names_the_last_line():
    body = "Hola {{ nombre }}\n{% for d in deudas %}\n{{ d.monto }}"

    assert errors(body) == {
        "body": "Error de sintaxis en la línea 3: Unexpected end of template. Jinja was looking "
        "for the following tags: 'endfor' or 'else'. The innermost block that needs to be "
        "closed is 'for'."
    }


def test_an_unclosed_placeholder_names_its_line():
    assert errors("Hola\n\n{{ nombre }")["body"].startswith("Error de sintaxis en la línea 3:")


@pytest.mark.parametrize(
    "body",
    [
        "{{ nombre.__class__ }}",
        "{{ nombre.__class__.__mro__[1].__subclasses__() }}",
        '{{ nombre["__class__"] }}',
        "{{ deudas.__len__() }}",
        "{% for d in deudas %}{{ d.__dict__ }}{% endfor %}",
        '{{ nombre|attr("__class__") }}',
        '{{ deudas|map(attribute="__class__")|list }}',
        "{{ nombre.upper() }}",
        '{{ "{0.__class__}".format(nombre) }}',
        "{{ range(10) }}",
        "{{ lipsum() }}",
        "{{ self }}",
        '{% include "otra.txt" %}',
        '{% import "macros.txt" as m %}',
        '{% extends "base.txt" %}',
        '{{ "x" * 1000000000 }}',
        "{{ 2 ** 100000 }}",
        '{{ "%999999999s" % nombre }}',
    ],
)
def test_the_sandbox_rejects_code_when_the_template_is_saved(body):
    assert "body" in errors(body)


def test_an_internal_attribute_names_the_expression_and_the_line():
    assert errors("Hola\n{{ nombre.__class__ }}") == {
        "body": "«nombre.__class__» (línea 2): los atributos internos no se pueden usar."
    }


def test_an_unknown_field_of_a_debt_is_rejected_and_the_known_ones_listed():
    body = "{% for d in deudas %}{{ d.monto }} {{ d.saldo }}{% endfor %}"

    assert errors(body) == {
        "body": "«d.saldo» (línea 1) no existe: cada deuda tiene descripcion, monto, vence, "
        "factura, dias."
    }


def test_a_disallowed_filter_is_named():
    assert errors('{{ nombre|attr("x") }}')["body"].startswith(
        "El filtro «|attr» (línea 1) no está permitido."
    )


def test_an_unknown_filter_is_rejected():
    assert errors("{{ nombre|gritar }}")["body"].startswith("El filtro «|gritar»")


def test_a_template_that_fails_with_sample_values_is_rejected():
    assert errors("{{ total + 1 }}") == {
        "body": "Con valores de ejemplo falla: No se pudo generar: TypeError: can only "
        'concatenate str (not "int") to str.'
    }


@pytest.mark.django_db
def test_the_sandbox_blocks_internal_attributes_at_render_time_too():
    # A row written before the checks existed (update() skips save()).
    template = Template.objects.create(key="viejo", channel="sms", language="es", body="x")
    Template.objects.filter(pk=template.pk).update(body="{{ nombre.__class__.__mro__ }}")
    template.refresh_from_db()

    with pytest.raises(RenderError, match=r"no permitido|no existe"):
        render(subject="", body=template.body, channel="sms", context=sample_context())


def test_an_email_needs_a_subject():
    assert errors("Hola", channel="email") == {"subject": "Un correo necesita un asunto."}


def test_a_text_message_must_not_have_a_subject():
    assert errors("Hola", channel="sms", subject="Asunto") == {
        "subject": "Solo los correos llevan asunto; déjelo vacío para sms."
    }


def test_the_subject_is_checked_like_the_body():
    assert errors("Hola", channel="email", subject="{{ total }} {{ asunto }}")[
        "subject"
    ].startswith("Marcador desconocido: {{ asunto }}.")


def test_an_empty_body_is_rejected():
    assert errors("  \n") == {"body": "El texto no puede estar vacío."}


def test_whatsapp_parameters_must_be_known_placeholders():
    body = "Hola {{ nombre }}, debes {{ total }}."

    assert errors(body, channel="whatsapp", parameters=["nombre", "total"]) == {}
    assert errors(body, channel="whatsapp", parameters=["nombre", "deuda"]) == {
        "whatsapp_parameters": "Parámetro desconocido: deuda. Los marcadores disponibles son: "
        + ", ".join(name for name in PLACEHOLDERS if name != "deudas")
        + "."
    }


def test_the_list_of_debts_cannot_be_a_whatsapp_parameter():
    body = "{% for d in deudas %}{{ d.monto }}{% endfor %}"

    assert errors(body, channel="whatsapp", parameters=["deudas"]) == {
        "whatsapp_parameters": "«deudas» es una lista y no puede ser un parámetro de WhatsApp."
    }


@pytest.mark.parametrize("parameters", ["nombre", [1, 2], {"1": "nombre"}])
def test_whatsapp_parameters_must_be_a_list_of_names(parameters):
    assert errors("{{ nombre }}", channel="whatsapp", parameters=parameters) == {
        "whatsapp_parameters": 'Debe ser una lista de marcadores, por ejemplo ["nombre", "total"].'
    }


def test_a_whatsapp_parameter_must_appear_in_the_text():
    assert errors("Hola {{ nombre }}.", channel="whatsapp", parameters=["nombre", "total"]) == {
        "whatsapp_parameters": "«total» no aparece en el texto; el texto debe reproducir la "
        "plantilla aprobada en WhatsApp, con los mismos marcadores."
    }


def test_only_whatsapp_templates_have_parameters():
    assert errors("Hola {{ nombre }}.", channel="sms", parameters=["nombre"]) == {
        "whatsapp_parameters": "Solo las plantillas de WhatsApp llevan parámetros; déjelo vacío."
    }


# --- Formatting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "country", "expected"),
    [
        ("es", "CO", "es_CO"),
        ("es", "MX", "es_MX"),
        ("pt", "BR", "pt_BR"),
        ("en", "US", "en_US"),
        ("pt-BR", "BR", "pt_BR"),
        ("en", "CO", "en"),
        ("es", "", "es"),
        ("xx", "CO", "es_CO"),
        ("", "CL", "es_CL"),
    ],
)
def test_the_locale_comes_from_the_language_and_the_country(language, country, expected):
    assert locale_for(language, country) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1234.5", "COP", "es_CO", "$1.234,50"),
        ("150000", "COP", "es_CO", "$150.000,00"),
        ("1234.5", "MXN", "es_MX", "$1,234.50"),
        ("1234", "CLP", "es_CL", "$1.234"),
        ("250000", "CLP", "es_CL", "$250.000"),
        ("1234.5", "BRL", "pt_BR", "R$ 1.234,50"),
        ("1234.5", "USD", "en_US", "$1,234.50"),
        ("1234.5", "USD", "es_CO", "US$1.234,50"),
        ("1234.5", "PEN", "es_PE", "S/ 1,234.50"),
    ],
)
def test_money_is_formatted_for_the_locale(amount, currency, locale, expected):
    assert format_money(Decimal(amount), currency, locale) == expected


def test_formatted_money_has_no_non_breaking_spaces():
    formatted = format_money(Decimal("10"), "BRL", "pt_BR")

    assert "\u00a0" not in formatted
    assert "\u202f" not in formatted


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("es_CO", "15 de diciembre"),
        ("es", "15 de diciembre"),
        ("en_US", "December 15"),
        ("pt_BR", "15 de dezembro"),
    ],
)
def test_dates_read_as_day_and_month_in_the_year_of_today(locale, expected):
    assert format_date(date(2026, 12, 15), locale, today=TODAY) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("es_MX", "3 de enero de 2027"),
        ("en_US", "January 3, 2027"),
        ("pt_BR", "3 de janeiro de 2027"),
    ],
)
def test_dates_in_another_year_carry_the_year(locale, expected):
    assert format_date(date(2027, 1, 3), locale, today=TODAY) == expected


# --- Context --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_context_formats_every_placeholder_for_the_debtor():
    creditor = make_creditor(brand_name="Claro Hogar", support_phone="+57 601 555 0100")
    debtor = make_debtor(creditor, full_name="Andrea Gómez Ruiz", first_name="Andrea")
    make_debt(
        debtor,
        "120000.00",
        amount_paid=Decimal("20000.00"),
        due_on=date(2026, 11, 24),
        description="Internet noviembre",
        external_id="D-1",
    )
    make_debt(debtor, "50000.00", due_on=date(2026, 11, 28), description="", invoice_number="FV-9")

    context = build_context(
        creditor=creditor,
        debtor=debtor,
        debts=debtor.debts.all(),
        statement=statement_lines(debtor, TODAY),
        payment_link="https://pagos.example.com/p/x1",
        today=TODAY,
        promise_date=date(2026, 12, 5),
        promise_amount=Decimal("75000"),
        paid_amount=Decimal("20000"),
    )

    assert {key: value for key, value in context.items() if key != "deudas"} == {
        "nombre": "Andrea",
        "nombre_completo": "Andrea Gómez Ruiz",
        "marca": "Claro Hogar",
        "total": "$150.000,00",
        "moneda": "COP",
        "vence": "24 de noviembre",
        "dias_vencido": 7,
        "enlace_pago": "https://pagos.example.com/p/x1",
        "soporte": f"{creditor.support_email} o +57 601 555 0100",
        "fecha_promesa": "5 de diciembre",
        "monto_promesa": "$75.000,00",
        "monto_pagado": "$20.000,00",
        "fecha_pago": "",
        "referencia_pago": "",
        "saldo_pendiente": "",
        "enlace_paz_y_salvo": "",
        "nueva_fecha": "",
        "monto_acordado": "",
        "cuotas": "",
        "primera_cuota": "",
        # Both debts fell due before TODAY: all of the balance is overdue.
        "saldo": "$150.000,00",
        "saldo_vencido": "$150.000,00",
        "saldo_por_vencer": "$0,00",
        "cantidad": 2,
        # Every open invoice (its number, else the debt's id) with its age, oldest first.
        "estado_de_cuenta": (
            "Factura  Vencimiento      Días de mora        Saldo\n"
            "D-1      24 de noviembre  7             $100.000,00\n"
            "FV-9     28 de noviembre  3              $50.000,00\n"
            "Total COP: $150.000,00"
        ),
        # A direct debit's (debit_* notices): not this message's.
        "fecha_cargo": "",
        "monto_cargo": "",
        "tarjeta": "",
        "tarjeta_ultimos": "",
        "cuota_numero": 0,
        "cuotas_total": 0,
        "fecha_reintento": "",
    }
    assert [(d.descripcion, d.monto, d.vence, d.factura, d.dias) for d in context["deudas"]] == [
        ("Internet noviembre", "$100.000,00", "24 de noviembre", "", 7),
        ("Factura FV-9", "$50.000,00", "28 de noviembre", "FV-9", 3),
    ]
    assert set(context) == set(PLACEHOLDERS)


@pytest.mark.django_db
def test_a_direct_debits_charge_and_card_are_formatted_in_the_debtors_locale():
    creditor = make_creditor(country="US", default_currency="USD")
    debtor = make_debtor(creditor, first_name="Jessica", country="US", language="en")

    context = build_context(
        creditor=creditor,
        debtor=debtor,
        debts=[],
        payment_link="https://pagos.example.com/p/x1",
        today=TODAY,
        charge_date=date(2027, 1, 20),
        charge_amount=Decimal("1234.5"),
        notice_currency="USD",
        card_brand="amex",
        card_last4="0005",
        instalment_number=3,
        instalment_count=6,
        retry_date=date(2026, 12, 21),
    )

    debit_keys = ("fecha_cargo", "monto_cargo", "tarjeta", "tarjeta_ultimos", "cuota_numero",
                  "cuotas_total", "fecha_reintento")  # fmt: skip
    assert {key: context[key] for key in debit_keys} == {
        "fecha_cargo": "January 20, 2027",
        "monto_cargo": "$1,234.50",
        "tarjeta": "American Express",
        "tarjeta_ultimos": "0005",
        "cuota_numero": 3,
        "cuotas_total": 6,
        "fecha_reintento": "December 21",
    }


@pytest.mark.django_db
def test_debts_in_several_currencies_list_each_total():
    creditor = make_creditor(country="EC", default_currency="USD")
    debtor = make_debtor(creditor, country="EC", timezone="America/Guayaquil")
    make_debt(debtor, "100.00", due_on=date(2026, 12, 10))
    make_debt(debtor, "300000.00", currency="COP", due_on=date(2026, 12, 12))
    make_debt(debtor, "25.50", due_on=date(2026, 12, 20))

    context = build_context(
        creditor=creditor,
        debtor=debtor,
        debts=debtor.debts.all(),
        payment_link="https://p.example.com/1",
        today=TODAY,
    )

    assert context["total"] == "$125,50 + COP300.000,00"
    assert context["moneda"] == "USD + COP"
    assert context["dias_vencido"] == 0


def test_without_a_first_name_the_greeting_uses_the_full_name():
    context = build_context(
        creditor=_creditor(),
        debtor=_debtor(first_name="", full_name="Ferretería El Tornillo S.A.S."),
        debts=[],
        payment_link="https://p.example.com/1",
        today=TODAY,
    )

    assert context["nombre"] == "Ferretería El Tornillo S.A.S."
    assert context["total"] == "$0,00"
    assert context["vence"] == ""
    assert context["deudas"] == []


def test_the_context_speaks_the_language_of_the_template_used():
    context = build_context(
        creditor=_creditor(),
        debtor=_debtor(language="fr", country="CO"),
        debts=[_debt("100", date(2026, 12, 15))],
        payment_link="https://p.example.com/1",
        today=TODAY,
        language="es",
    )

    assert context["vence"] == "15 de diciembre"


# --- Rendering -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_email_html_escapes_what_the_debtor_provided():
    creditor = make_creditor(brand_name="Tienda <b>Uno</b>")
    debtor = make_debtor(
        creditor, first_name="<script>alert(1)</script>", full_name="<script>alert(1)</script>"
    )
    make_debt(debtor, description='<img src=x onerror="alert(2)">', due_on=date(2026, 12, 15))
    context = build_context(
        creditor=creditor,
        debtor=debtor,
        debts=debtor.debts.all(),
        payment_link="https://pagos.example.com/p/x1",
        today=TODAY,
    )

    rendered = render(
        subject="Hola {{ nombre }}",
        body="Hola {{ nombre }} de {{ marca }}:\n{% for d in deudas %}\n- {{ d.descripcion }}\n"
        "{% endfor %}\n\nPaga en {{ enlace_pago }}",
        channel="email",
        context=context,
    )

    assert rendered.html == (
        "<p>Hola &lt;script&gt;alert(1)&lt;/script&gt; de Tienda &lt;b&gt;Uno&lt;/b&gt;:<br>\n"
        "- &lt;img src=x onerror=&#34;alert(2)&#34;&gt;</p>\n"
        '<p>Paga en <a href="https://pagos.example.com/p/x1">https://pagos.example.com/p/x1</a>'
        "</p>"
    )
    assert rendered.text.startswith("Hola <script>alert(1)</script> de Tienda <b>Uno</b>:")
    assert rendered.subject == "Hola <script>alert(1)</script>"


def test_text_a_template_author_typed_is_escaped_in_the_html_too():
    rendered = render(
        subject="Aviso", body="<b>Hola</b> {{ nombre }}", channel="email", context=sample_context()
    )

    assert rendered.html == "<p>&lt;b&gt;Hola&lt;/b&gt; Camila</p>"


def test_a_text_channel_has_no_subject_and_no_html():
    rendered = render(
        subject="", body="Hola {{ nombre }}\n\n\n\nPaga", channel="sms", context=sample_context()
    )

    assert rendered.subject == ""
    assert rendered.text == "Hola Camila\n\nPaga"
    assert rendered.html is None


def test_an_email_subject_stays_on_one_line():
    context = {**sample_context(), "nombre": "Ana\r\nBcc: x@example.com"}

    rendered = render(subject="Hola {{ nombre }}", body="x", channel="email", context=context)

    assert rendered.subject == "Hola Ana Bcc: x@example.com"


def test_a_placeholder_missing_from_the_context_is_a_render_error():
    context = sample_context()
    del context["total"]

    with pytest.raises(RenderError, match="'total' is undefined"):
        render(subject="", body="Debes {{ total }}", channel="sms", context=context)


def test_whatsapp_parameters_are_the_values_in_order_on_one_line():
    context = {**sample_context(), "nombre": "Camila\n  Andrea"}

    assert whatsapp_parameter_values(["nombre", "total", "nombre"], context) == [
        "Camila Andrea",
        "$185.000,00",
        "Camila Andrea",
    ]


def test_an_empty_whatsapp_parameter_is_a_render_error():
    context = {**sample_context(), "soporte": ""}

    with pytest.raises(RenderError, match=r"\{\{2\}\} \(«soporte»\) está vacío"):
        whatsapp_parameter_values(["nombre", "soporte"], context)


# --- Selection -------------------------------------------------------------------


def _save(key: str, language: str, creditor=None, body: str = "x") -> Template:
    return Template.objects.create(
        creditor=creditor, key=key, channel="sms", language=language, body=body
    )


@pytest.mark.django_db
def test_the_creditors_own_template_wins_over_the_default(creditor, django_assert_num_queries):
    default = _save("prueba", "es")
    own = _save("prueba", "es", creditor)

    with django_assert_num_queries(1):
        chosen = select_template("prueba", "sms", "es", creditor.pk)

    assert chosen == own
    assert select_template("prueba", "sms", "es", make_creditor().pk) == default
    assert select_template("prueba", "sms", "es", None) == default


@pytest.mark.django_db
def test_a_missing_language_falls_back_to_spanish(creditor):
    own = _save("prueba", "es", creditor)
    _save("prueba", "es")

    assert select_template("prueba", "sms", "en", creditor.pk) == own
    assert select_template("prueba", "sms", "pt-BR", creditor.pk) == own


@pytest.mark.django_db
def test_the_debtors_language_wins_over_the_creditors_spanish_text(creditor):
    _save("prueba", "es", creditor)
    default_portuguese = _save("prueba", "pt")
    own_english = _save("prueba", "en", creditor)

    assert select_template("prueba", "sms", "pt", creditor.pk) == default_portuguese
    assert select_template("prueba", "sms", "en", creditor.pk) == own_english


@pytest.mark.django_db
def test_no_template_for_the_key_or_channel_selects_nothing(creditor):
    _save("prueba", "es", creditor)

    assert select_template("otra", "sms", "es", creditor.pk) is None
    assert select_template("prueba", "email", "es", creditor.pk) is None


# --- Plain stand-ins for the models ------------------------------------------------


def _creditor(**overrides):
    values = {
        "name": "Tienda",
        "brand_name": "Tienda",
        "support_email": "",
        "support_phone": "",
        "default_currency": "COP",
    }
    return SimpleNamespace(**{**values, **overrides})


def _debtor(**overrides):
    values = {"full_name": "Ana Pérez", "first_name": "Ana", "language": "es", "country": "CO"}
    return SimpleNamespace(**{**values, **overrides})


def _debt(amount: str, due_on: date, currency: str = "COP"):
    return SimpleNamespace(
        currency=currency,
        amount=Decimal(amount),
        amount_paid=Decimal(0),
        due_on=due_on,
        invoice_number="",
        description="",
    )


@pytest.mark.django_db
def test_the_text_written_for_the_debtors_register_wins_over_one_for_any(creditor):
    tu = _save("prueba", "es", body="hola, tu pago")
    usted = Template.objects.create(
        key="prueba", channel="sms", language="es", register="usted", body="hola, su pago"
    )

    assert select_template("prueba", "sms", "es", creditor.pk, "usted") == usted
    assert select_template("prueba", "sms", "es", creditor.pk, "tu") == tu
    assert select_template("prueba", "sms", "es", creditor.pk) == tu


@pytest.mark.django_db
def test_the_creditors_own_text_wins_over_a_default_in_the_debtors_register(creditor):
    own = _save("prueba", "es", creditor, body="hola, tu pago")
    Template.objects.create(
        key="prueba", channel="sms", language="es", register="usted", body="hola, su pago"
    )

    assert select_template("prueba", "sms", "es", creditor.pk, "usted") == own
