"""The first minutes: the bare address and the icon every browser asks for."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def test_the_bare_address_leads_a_visitor_to_the_staff_login_and_shows_nothing(client):
    response = client.get("/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0] == ("/equipo/", 302)
    assert "login" in response.redirect_chain[-1][0]


def test_the_bare_address_leads_staff_to_their_home(client):
    client.force_login(User.objects.create_superuser("ana", password="x"))

    response = client.get("/", follow=True)

    assert response.redirect_chain == [("/equipo/", 302)]
    assert response.status_code == 200


def test_the_admins_view_site_link_is_not_a_dead_end(client):
    client.force_login(User.objects.create_superuser("ana", password="x"))

    page = client.get("/admin/").content.decode()

    assert 'href="/"' in page
    assert client.get("/", follow=True).status_code == 200


def test_a_favicon_is_served_as_an_icon_and_cached(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert "max-age" in response["Cache-Control"]
