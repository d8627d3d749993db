"""The staff application's English and Brazilian Portuguese catalogues are complete and compiled."""

from __future__ import annotations

import pytest

from tests.catalogues import assert_complete_and_compiled, untranslated_messages, untranslated_tags


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_message_is_translated_none_is_fuzzy_and_the_mo_file_matches(language):
    assert_complete_and_compiled("staff", language)


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_translate_tag_in_the_staff_templates_is_in_the_catalogue(language):
    assert untranslated_tags("staff", language, at_least=40) == []


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_gettext_string_in_the_staff_code_and_templates_is_translated(language):
    assert untranslated_messages("staff", language, at_least=400) == []
