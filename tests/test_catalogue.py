"""The project catalogue (recaudo/locale, for the modules directly under recaudo/):
complete, compiled, and holding every gettext string of those modules."""

from __future__ import annotations

import pytest

from tests.catalogues import PROJECT, assert_complete_and_compiled, untranslated_messages


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_message_is_translated_none_is_fuzzy_and_the_mo_file_matches(language):
    assert_complete_and_compiled(PROJECT, language)


@pytest.mark.parametrize("language", ["en", "pt_BR"])
def test_every_gettext_string_of_the_project_modules_is_translated(language):
    assert untranslated_messages(PROJECT, language, at_least=10) == []
