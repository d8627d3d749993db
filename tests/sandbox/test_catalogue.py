"""The provider sandbox's (phone simulator pages)
English and Brazilian Portuguese catalogues: complete, compiled, and holding every gettext string
of its code and templates."""

from __future__ import annotations

import pytest

from tests.catalogues import assert_complete_and_compiled, untranslated_messages


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_message_is_translated_none_is_fuzzy_and_the_mo_file_matches(language):
    assert_complete_and_compiled("sandbox", language)


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_gettext_string_in_the_sandbox_code_and_templates_is_translated(language):
    assert untranslated_messages("sandbox", language, at_least=30) == []
