"""Every shipped message key reads as words for a manager, in the reader's language."""

from __future__ import annotations

from django.utils import translation

from recaudo.policies.default_templates import DEFAULT_TEMPLATES
from recaudo.policies.keys import KEY_LABELS, key_label


def test_every_key_the_shipped_templates_use_has_a_label():
    assert {template["key"] for template in DEFAULT_TEMPLATES} - KEY_LABELS.keys() == set()


def test_a_label_follows_the_active_language():
    with translation.override("es"):
        assert key_label("overdue_late") == "mora avanzada"
    with translation.override("pt-br"):
        assert key_label("overdue_late") == "atraso avançado"
    with translation.override("en"):
        assert key_label("paid_in_full") == "paid-in-full certificate"


def test_a_creditors_own_key_is_shown_as_it_is():
    assert key_label("aviso_navidad") == "aviso_navidad"
