"""Scope and roles on the strategy and template pages (issue 16, "Roles and scope"): another
creditor's policy, segment or template is a 404 on every URL, reading or writing; readers
and agents change nothing; the shared defaults are a superuser's to edit."""

from __future__ import annotations

import pytest

from recaudo.policies.models import Policy, Segment, Step, StrategyChange, Template
from recaudo.roles import AGENT, AUDITOR, CREDITOR_VIEWER, SUPERVISOR
from tests.factories import make_creditor
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db


def _rows(creditor):
    policy = Policy.objects.create(creditor=creditor, code="propia", name="Propia")
    Step.objects.create(
        policy=policy, offset_days=0, action="message", channels=["sms"],
        template_key="due_today", tone="preventive",
    )  # fmt: skip
    segment = Segment.objects.create(creditor=creditor, name="Todos", policy=policy)
    template = Template.objects.create(
        creditor=creditor, key="due_today", channel="sms", language="es", body="Hola {{ nombre }}"
    )
    return {"policy": policy.pk, "segment": segment.pk, "template": template.pk}


URLS = [
    ("get", "/equipo/estrategia/politicas/{policy}/", {}),
    ("post", "/equipo/estrategia/politicas/{policy}/", {"name": "x"}),
    ("get", "/equipo/estrategia/segmentos/{segment}/", {}),
    ("post", "/equipo/estrategia/segmentos/{segment}/", {"name": "x"}),
    ("get", "/equipo/plantillas/{template}/", {}),
    ("post", "/equipo/plantillas/{template}/", {"body": "x"}),
    ("post", "/equipo/plantillas/{template}/vista-previa", {"body": "x"}),
    ("post", "/equipo/plantillas/{template}/copiar", {"acreedor": "{creditor}"}),
    ("post", "/equipo/plantillas/{template}/prueba", {"to": "+573009990001", "country": "CO"}),
    ("get", "/equipo/estrategia/vista-previa?acreedor={creditor}", {}),
    ("get", "/equipo/estrategia/segmentos/nuevo?acreedor={creditor}", {}),
    ("post", "/equipo/estrategia/copiar", {"acreedor": "{creditor}"}),
]


def _fill(text: str, rows: dict, creditor) -> str:
    return text.format(creditor=creditor.pk, **rows)


@pytest.mark.parametrize(("method", "url", "data"), URLS, ids=[f"{m} {u}" for m, u, _ in URLS])
def test_a_supervisor_of_creditor_a_gets_404_for_every_strategy_row_of_creditor_b(
    method, url, data
):
    mine, theirs = make_creditor(), make_creditor()
    theirs_rows = _rows(theirs)
    client = browser_of(staff("sofia", SUPERVISOR, mine))
    before = list(Template.objects.values_list("pk", "version", "body"))

    response = getattr(client, method)(
        _fill(url, theirs_rows, theirs),
        {key: _fill(value, theirs_rows, theirs) for key, value in data.items()},
    )

    assert response.status_code == 404
    assert list(Template.objects.values_list("pk", "version", "body")) == before
    assert not StrategyChange.objects.exists()
    assert not Segment.objects.filter(creditor=mine).exists()


@pytest.mark.parametrize("role", [AGENT, AUDITOR, CREDITOR_VIEWER])
def test_agents_and_readers_read_the_strategy_but_every_write_is_refused(role):
    creditor = make_creditor()
    rows = _rows(creditor)
    client = browser_of(staff(f"user-{role}", role, creditor))
    before = (
        list(Template.objects.values_list("pk", "version", "body")),
        list(Policy.objects.values_list("pk", "name")),
        list(Segment.objects.values_list("pk", "name")),
    )

    pages = [client.get(_fill(url, rows, creditor)) for method, url, _ in URLS[:6:2]]
    writes = [
        client.post(
            _fill(url, rows, creditor),
            {key: _fill(value, rows, creditor) for key, value in data.items()},
        )
        for method, url, data in URLS
        if method == "post" and "vista-previa" not in url
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert [write.status_code for write in writes] == [403] * len(writes)
    assert before == (
        list(Template.objects.values_list("pk", "version", "body")),
        list(Policy.objects.values_list("pk", "name")),
        list(Segment.objects.values_list("pk", "name")),
    )
    assert not StrategyChange.objects.exists()


def test_the_lists_show_the_users_creditors_and_the_defaults_only():
    mine, theirs = make_creditor(), make_creditor()
    _rows(mine)
    _rows(theirs)
    client = browser_of(staff("sofia", SUPERVISOR, mine))

    templates = client.get("/equipo/plantillas/?clave=due_today&canal=sms")
    strategy = client.get(f"/equipo/estrategia/?acreedor={theirs.pk}")

    owners = {row.creditor_id for row in templates.context["rows"]}
    assert owners == {None, mine.pk}
    assert strategy.context["creditor"] == mine  # another creditor is not offered
    assert [c.pk for c in strategy.context["creditors"]] == [mine.pk]
