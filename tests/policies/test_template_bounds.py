"""Templates are bounded in cost, not only in what they reach: loops, values, output, time."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ValidationError

from recaudo.policies import sandbox
from recaudo.policies.models import Template
from recaudo.policies.rendering import RenderError, render, sample_context

NESTED_LOOPS = (
    "{% for a in nombre_completo * 1000 %}{% for b in nombre_completo * 1000 %}"
    "{% if a == b %}{% endif %}{% endfor %}{% endfor %}Hola {{ nombre }}"
)
STRING_DOUBLING = "{% set s = nombre ~ nombre %}" + "{% set s = s ~ s %}" * 40 + "{{ s }}"
TRIPLE_LOOP = (
    "{% for a in marca * 100 %}{% for b in marca * 100 %}{% for c in marca * 100 %}"
    "{% endfor %}{% endfor %}{% endfor %}Hola"
)
COSTLY = {
    "nested loops": (NESTED_LOOPS, "más de 10.000 vueltas de bucle"),
    "string doubling": (STRING_DOUBLING, "un valor intermedio pasa de 20.000 caracteres"),
    "triple loop": (TRIPLE_LOOP, "más de 10.000 vueltas de bucle"),
    "plus doubling": (
        "{% set s = nombre + nombre %}" + "{% set s = s + s %}" * 40 + "{{ s }}",
        "un valor intermedio pasa de 20.000 caracteres",
    ),
    "replace growth": (
        "{{ (nombre * 1000)|replace('', nombre * 1000) }}",
        "un valor intermedio pasa de 20.000 caracteres",
    ),
    "joined copies": (
        "{{ ([nombre * 1000] * 1000)|join }}",
        "un valor intermedio pasa de 20.000 caracteres",
    ),
    "long output": (
        "{% for a in marca * 500 %}{{ nombre_completo }}{% endfor %}",
        "el texto generado pasa de 20.000 caracteres",
    ),
    "squared numbers": (
        "{% set n = 10 ** 300 %}" + "{% set n = n * n %}" * 30 + "{{ n }}",
        "un número es demasiado grande",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "bound"), COSTLY.values(), ids=COSTLY.keys())
def test_a_costly_template_is_refused_when_saved_within_a_second_naming_the_bound(body, bound):
    before = Template.objects.count()
    started = time.monotonic()

    with pytest.raises(ValidationError) as raised:
        Template.objects.create(key="recordatorio", channel="sms", language="es", body=body)

    assert time.monotonic() - started < 1
    [message] = raised.value.message_dict["body"]
    assert message.startswith("Con valores de ejemplo falla: Supera un límite de costo: ")
    assert bound in message
    assert Template.objects.count() == before


@pytest.mark.parametrize(("body", "bound"), COSTLY.values(), ids=COSTLY.keys())
def test_a_costly_template_fails_at_send_within_a_second_naming_the_bound(body, bound):
    started = time.monotonic()

    with pytest.raises(RenderError, match=bound):
        render(subject="", body=body, channel="sms", context=sample_context())

    assert time.monotonic() - started < 1


def test_a_recursive_macro_or_loop_fails_cleanly():
    for body in (
        "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
        "{% for d in deudas recursive %}{{ loop(deudas) }}{% endfor %}",
    ):
        with pytest.raises(RenderError):
            render(subject="", body=body, channel="sms", context=sample_context())


def test_a_render_that_runs_out_of_time_is_stopped(monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_RENDER_SECONDS", 0.0)
    body = "{% for c in nombre_completo * 5 %}{{ c }}{% endfor %}"

    with pytest.raises(RenderError, match="tarda más de 0,0 s en generarse"):
        render(subject="", body=body, channel="sms", context=sample_context())


def test_a_long_but_ordinary_template_stays_within_the_bounds():
    body = (
        "Hola {{ nombre|title }}:\n{% for d in deudas %}"
        "{% for c in d.descripcion %}{{ c|upper }}{% endfor %}: {{ d.monto ~ ' ' ~ d.vence }}\n"
        "{% endfor %}{{ (total ~ ' ') * 3 }}{{ marca|replace('a', 'aa') }} {{ enlace_pago }}"
    )

    rendered = render(subject="", body=body, channel="sms", context=sample_context())

    assert rendered.text.startswith("Hola Camila:\nPLAN HOGAR DICIEMBRE: $185.000,00")
