"""The payments app's catalogues: complete, compiled, and every portal template literal in them."""

from __future__ import annotations

import pytest

from tests.catalogues import assert_complete_and_compiled, untranslated_messages, untranslated_tags


@pytest.mark.parametrize("language", ["pt_BR", "en"])
def test_the_payments_catalogue_is_complete_and_compiled(language):
    assert_complete_and_compiled("payments", language)


@pytest.mark.parametrize("language", ["pt_BR", "en"])
def test_every_translate_tag_in_the_portal_templates_is_in_the_catalogue(language):
    assert untranslated_tags("payments", language, at_least=60) == []


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_gettext_string_in_the_payments_code_and_templates_is_translated(language):
    assert untranslated_messages("payments", language, at_least=400) == []
