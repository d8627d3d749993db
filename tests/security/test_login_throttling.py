"""Staff logins are throttled (django-axes): per user name and address, in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from recaudo.access import client_address

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "una-clave-larga-y-rara-2026"
LOCKED = "Demasiados intentos fallidos"


@pytest.fixture
def staff():
    return get_user_model().objects.create_user(
        "supervisora", password=PASSWORD, is_staff=True, is_superuser=True
    )


def log_in(password: str, *, address: str = "203.0.113.7", username: str = "supervisora"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})
    return client, response


def fail(times: int, address: str = "203.0.113.7") -> None:
    for _ in range(times):
        _client, response = log_in("equivocada", address=address)
        assert response.status_code in (200, 429)


def test_five_wrong_passwords_then_the_right_one_is_refused_with_a_clear_spanish_message(staff):
    for _ in range(4):
        _client, response = log_in("equivocada")
        assert response.status_code == 200  # the login form again, with its error

    _client, fifth = log_in("equivocada")
    client, right = log_in(PASSWORD)

    assert fifth.status_code == right.status_code == 429
    text = right.content.decode()
    assert text.startswith(f"{LOCKED}: el ingreso con este usuario desde esta dirección")
    assert "15 minutos" in text
    assert right["Retry-After"] == "900"
    assert right["Content-Type"] == "text/plain; charset=utf-8"
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "supervisora",
        "203.0.113.7",
        6,  # the right password during the lockout counts as a refused try
    )


def test_four_wrong_passwords_then_the_right_one_logs_in_and_clears_the_count(staff):
    fail(4)

    client, response = log_in(PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert not AccessAttempt.objects.exists()


def test_the_lockout_ends_after_the_configured_minutes(staff, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=2)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        fail(5)
        traveller.move_to(start + timedelta(minutes=1, seconds=59))
        _client, locked = log_in(PASSWORD)  # refused: the wait starts again from here
        traveller.move_to(start + timedelta(minutes=4))
        client, after = log_in(PASSWORD)

    assert locked.status_code == 429
    assert "2 minutos" in locked.content.decode()
    assert after.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_each_try_during_the_lockout_starts_the_wait_again(staff, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=2)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        fail(5)
        traveller.move_to(start + timedelta(minutes=2, seconds=1))
        _client, free_again = log_in("equivocada-otra-vez")  # the lockout had ended: a new count
        fail(4)
        traveller.move_to(start + timedelta(minutes=3))
        _client, locked = log_in(PASSWORD)
        traveller.move_to(start + timedelta(minutes=4, seconds=30))
        _client, still_locked = log_in(PASSWORD)

    assert free_again.status_code == 200
    assert locked.status_code == still_locked.status_code == 429


def test_the_limit_and_the_wait_come_from_the_settings(staff, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail(2)

    _client, response = log_in(PASSWORD)

    assert response.status_code == 429


def test_a_lockout_holds_for_that_user_from_that_address_only(staff):
    get_user_model().objects.create_user("agente", password=PASSWORD, is_staff=True)
    fail(5, address="203.0.113.7")

    _client, same_pair = log_in(PASSWORD, address="203.0.113.7")
    other_client, other_address = log_in(PASSWORD, address="198.51.100.20")
    colleague_client, other_user = log_in(PASSWORD, address="203.0.113.7", username="agente")

    assert same_pair.status_code == 429
    assert other_address.status_code == other_user.status_code == 302
    assert other_client.session["_auth_user_id"] == str(staff.pk)
    assert "_auth_user_id" in colleague_client.session


def test_behind_a_trusted_proxy_the_lockout_counts_the_forwarded_client(staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7").post(
            LOGIN, {"username": "supervisora", "password": "equivocada"}
        )

    other_client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.20")
    other = other_client.post(LOGIN, {"username": "supervisora", "password": PASSWORD})
    spoofer = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    spoofed = spoofer.post(LOGIN, {"username": "supervisora", "password": PASSWORD})

    assert other.status_code == 302  # another client behind the same proxy
    assert spoofed.status_code == 429  # what the client wrote left of the proxy's entry is ignored
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


def test_the_inbox_sends_staff_to_the_throttled_login(staff):
    response = Client(REMOTE_ADDR="203.0.113.7").get("/bandeja/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "address"),
    [
        (0, "1.2.3.4", "10.0.0.9"),  # no proxy: the header is the client's own words
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (2, "1.2.3.4, 203.0.113.7 ,10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.9"),  # fewer entries than proxies: the peer
        (1, "", "10.0.0.9"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxies_saw(
    settings, proxies, forwarded_for, address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": forwarded_for}

    assert client_address(meta) == address


def test_staff_who_read_english_get_the_lockout_in_english(staff):
    fail(5)

    response = Client(REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="en").post(
        LOGIN, {"username": "supervisora", "password": PASSWORD}
    )

    assert response.status_code == 429
    assert response.content.decode().startswith(
        "Too many failed attempts: logging in as this user from this address is blocked for "
        "15 minutes."
    )
