from __future__ import annotations

import pytest

from tests.factories import make_creditor


@pytest.fixture
def creditor(db):
    return make_creditor()
