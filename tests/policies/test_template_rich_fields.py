"""A template's quick replies are checked when saved; the new words are translated."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from recaudo.policies.models import Template
from tests.catalogues import assert_complete_and_compiled

pytestmark = pytest.mark.django_db


def whatsapp(**fields) -> Template:
    return Template(key="aviso", channel="whatsapp", language="es", body="Hola",
                    whatsapp_template_name="aviso", **fields)  # fmt: skip


@pytest.mark.parametrize(
    ("replies", "message"),
    [
        ("pay", "Las respuestas rápidas deben ser una lista de textos de 1 a 256 caracteres."),
        ([""], "Las respuestas rápidas deben ser una lista de textos de 1 a 256 caracteres."),
        (
            ["x" * 257],
            "Las respuestas rápidas deben ser una lista de textos de 1 a 256 caracteres.",
        ),
        ([f"r{n}" for n in range(11)], "Una plantilla de WhatsApp tiene a lo sumo 10 botones."),
    ],
)
def test_quick_replies_that_meta_would_not_take_are_refused_on_save(replies, message):
    with pytest.raises(ValidationError) as refused:
        whatsapp(whatsapp_quick_replies=replies).save()

    assert refused.value.message_dict == {"whatsapp_quick_replies": [message]}
    assert not Template.objects.filter(key="aviso").exists()


def test_a_template_with_the_statement_and_three_quick_replies_is_saved():
    template = whatsapp(whatsapp_quick_replies=["pay", "agent", "paid"], attach_statement=True)
    template.save()

    template.refresh_from_db()
    assert (template.whatsapp_quick_replies, template.attach_statement) == (
        ["pay", "agent", "paid"],
        True,
    )


@pytest.mark.parametrize("language", ["pt_BR", "en"])
def test_the_policies_catalogue_is_complete_and_compiled(language):
    assert_complete_and_compiled("policies", language)
    with translation.override("en"):
        assert str(Template._meta.get_field("attach_statement").verbose_name) == (
            "with the statement of account"
        )
