"""The staff's import pages: upload, mapping, check, confirm, progress and summary, per role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recaudo.portfolio import import_jobs
from recaudo.portfolio.models import Debt, ImportJob
from recaudo.roles import ADMIN, AGENT, AUDITOR, CREDITOR_VIEWER, SUPERVISOR
from tests.factories import make_creditor
from tests.staff.helpers import browser_of, staff

pytestmark = pytest.mark.django_db

CARTERA = (
    "Código,Cliente,Nombre,Saldo,Fecha de vencimiento\n"
    'F-1,C-1,Ana Ruiz,"$ 150.000",2026-11-01\n'
    'F-2,C-2,Luis Díaz,"$ 80.000,50",2026-11-05\n'
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, creditor, text: str = CARTERA, name: str = "cartera.csv", kind="debts"):
    return client.post(
        "/equipo/importar/",
        {"creditor": creditor.pk, "kind": kind, "file": SimpleUploadedFile(name, text.encode())},
    )


def columns(*fields: str) -> dict[str, str]:
    return {f"column_{index}": name for index, name in enumerate(fields)}


MAPPED = columns("external_id", "debtor_external_id", "full_name", "amount", "due_on")


def test_a_supervisor_uploads_maps_checks_confirms_and_reads_the_summary(creditor, media):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))

    uploaded = upload(client, creditor)
    job = ImportJob.objects.get()
    assert uploaded.url == f"/equipo/importar/{job.pk}/"
    mapping_page = client.get(uploaded.url)
    # "Código" and "Cliente" name no field by themselves: left for the person.
    assert [column[2] for column in mapping_page.context["columns"]] == [
        "",
        "",
        "full_name",
        "amount",
        "due_on",
    ]
    assert "$ 150.000" in mapping_page.content.decode()

    client.post(f"/equipo/importar/{job.pk}/columnas", MAPPED)
    following = client.get(uploaded.url).content.decode()
    assert 'hx-trigger="every 1s"' in following and "<progress" in following
    assert '<meta http-equiv="refresh" content="2">' in following  # without JavaScript too
    import_jobs.run_next("test")

    checked = client.get(uploaded.url)
    assert checked.context["summary"] == [("Deudas", 2, 0, 0), ("Deudores", 2, 0, 0)]
    assert "Confirmar e importar" in checked.content.decode()
    assert not Debt.objects.exists()

    client.post(f"/equipo/importar/{job.pk}/confirmar")
    assert client.get(uploaded.url).context["job"].status == "import_queued"
    import_jobs.run_next("test")

    done = client.get(uploaded.url)
    page = done.content.decode()
    assert done.context["summary"] == [("Deudas", 2, 0, 0), ("Deudores", 2, 0, 0)]
    assert 'value="100"' in page and "hx-trigger" not in page
    assert "2 filas leídas" in page
    assert "no será alcanzada" in page or "no serán alcanzadas" in page
    assert sorted(Debt.objects.values_list("external_id", "amount")) == [
        ("F-1", Decimal("150000.00")),
        ("F-2", Decimal("80000.50")),
    ]
    listed = client.get(f"/equipo/importar/?creditor={creditor.pk}")
    assert [one.pk for one in listed.context["page"]] == [job.pk]
    assert "sofia" in listed.content.decode() and "cartera.csv" in listed.content.decode()


def test_the_dry_run_shows_every_error_as_linea_columna_motivo_a_page_at_a_time(creditor):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    bad_rows = "".join(f'F-{n},C-{n},Cliente {n},"1,234.56",2026-11-01\n' for n in range(150))
    upload(client, creditor, CARTERA.splitlines()[0] + "\n" + bad_rows)
    job = ImportJob.objects.get()
    client.post(f"/equipo/importar/{job.pk}/columnas", MAPPED)

    import_jobs.run_next("test")

    first = client.get(f"/equipo/importar/{job.pk}/")
    second = client.get(f"/equipo/importar/{job.pk}/?page=2")
    assert len(first.context["error_lines"]) == 100
    assert first.context["error_lines"][0] == (
        "línea 2: Saldo: '1,234.56' no está escrito como se escriben los importes en CO "
        "(1.234,56: '.' separa los miles y ',' los decimales)"
    )
    assert second.context["error_lines"][-1].startswith("línea 151: Saldo: ")
    assert len(second.context["error_lines"]) == 50
    content = first.content.decode()
    assert "150 errores: no se importó nada" in content
    assert "Confirmar e importar" not in content
    assert client.post(f"/equipo/importar/{job.pk}/confirmar").status_code == 302
    job.refresh_from_db()
    assert job.status == "checked"
    assert not Debt.objects.exists()


def test_a_mapping_missing_a_required_field_is_shown_with_every_problem_and_not_queued(creditor):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    upload(client, creditor)
    job = ImportJob.objects.get()

    response = client.post(
        f"/equipo/importar/{job.pk}/columnas",
        columns("external_id", "external_id", "full_name", "amount", ""),
    )

    assert response.status_code == 422
    assert response.context["problems"] == [
        "Cliente: significa lo mismo que la columna 'Código'",
        "debtor_external_id: falta esta columna obligatoria",
        "due_on: falta esta columna obligatoria",
    ]
    job.refresh_from_db()
    assert job.status == "mapping"


def test_the_mapping_is_prefilled_from_the_last_one_saved_for_the_creditor(creditor):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    upload(client, creditor)
    first = ImportJob.objects.get()
    client.post(f"/equipo/importar/{first.pk}/columnas", MAPPED)
    other = make_creditor()
    admin = browser_of(staff("ines", ADMIN))

    upload(client, creditor, "Cliente,Código,Saldo,Vence,Nota\nC-9,F-9,100,2026-11-01,x\n")
    upload(admin, other)  # another creditor remembers nothing of this one's mapping

    second, third = ImportJob.objects.exclude(pk=first.pk).order_by("pk")
    assert second.mapping == ["debtor_external_id", "external_id", "amount", "due_on", ""]
    assert third.mapping == ["", "", "full_name", "amount", "due_on"]


@pytest.mark.parametrize("role", [AGENT, CREDITOR_VIEWER, AUDITOR])
def test_agents_creditor_viewers_and_auditors_get_403_and_upload_nothing(creditor, role, media):
    supervisor = browser_of(staff("sofia", SUPERVISOR, creditor))
    upload(supervisor, creditor)
    job = ImportJob.objects.get()
    client = browser_of(staff("otra", role, creditor))

    answers = [
        client.get("/equipo/importar/").status_code,
        client.get(f"/equipo/importar/{job.pk}/").status_code,
        upload(client, creditor).status_code,
        client.post(f"/equipo/importar/{job.pk}/columnas", MAPPED).status_code,
    ]

    assert answers == [403, 403, 403, 403]
    assert ImportJob.objects.count() == 1
    job.refresh_from_db()
    assert job.status == "mapping"
    assert "/equipo/importar/" not in client.get("/equipo/").content.decode()


def test_uploading_for_a_creditor_outside_the_scope_is_a_404_and_stores_nothing(creditor, media):
    other = make_creditor()
    client = browser_of(staff("sofia", SUPERVISOR, creditor))

    response = upload(client, other)

    assert response.status_code == 404
    assert not ImportJob.objects.exists()
    assert not media.exists() or not [path for path in media.rglob("*") if path.is_file()]


def test_a_refused_upload_says_why_on_the_import_page(creditor, settings):
    settings.IMPORT_UPLOAD_MAX_MB = 1
    client = browser_of(staff("sofia", SUPERVISOR, creditor))

    response = upload(client, creditor, "x" * 1_000_001, name="grande.csv")

    assert response.url == "/equipo/importar/"
    page = client.get(response.url).content.decode()
    assert "grande.csv: el archivo pasa de 1 MB; divídalo en partes" in page
    assert not ImportJob.objects.exists()


def test_cancelling_deletes_the_file_and_the_job_stays_in_the_list(creditor, media):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    upload(client, creditor)
    job = ImportJob.objects.get()
    stored = media / job.stored_file

    client.post(f"/equipo/importar/{job.pk}/cancelar")

    job.refresh_from_db()
    assert (job.status, job.stored_file, stored.exists()) == ("cancelled", "", False)
    assert "cancelado" in client.get("/equipo/importar/").content.decode()


def test_the_import_pages_read_in_english(creditor):
    client = browser_of(staff("sofia", SUPERVISOR, creditor))
    client.cookies["django_language"] = "en"
    upload(client, creditor)
    job = ImportJob.objects.get()

    page = client.get(f"/equipo/importar/{job.pk}/").content.decode()

    assert "What does each column hold?" in page
    assert "due date (due_on)" in page
