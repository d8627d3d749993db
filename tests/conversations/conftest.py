from __future__ import annotations

import pytest
from django.contrib.auth.models import User


@pytest.fixture
def agent(client):
    """A staff user, logged in on ``client``."""
    user = User.objects.create_user("ana", password="x", is_staff=True)
    client.force_login(user)
    return user
