"""The integration pages' English and Brazilian Portuguese catalogues are complete and compiled."""

from __future__ import annotations

import pytest

from tests.catalogues import assert_complete_and_compiled, untranslated_messages, untranslated_tags


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_message_is_translated_none_is_fuzzy_and_the_mo_file_matches(language):
    assert_complete_and_compiled("integrations", language)


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_translate_tag_in_the_integration_templates_is_in_the_catalogue(language):
    assert untranslated_tags("integrations", language, at_least=25) == []


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_gettext_string_in_the_integrations_code_and_templates_is_translated(language):
    assert untranslated_messages("integrations", language, at_least=60) == []
