"""Reporting a debt as already paid or disputed, with a checked receipt."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recaudo.payments.links import live_link
from recaudo.payments.models import DebtorReport
from recaudo.portfolio.models import Debt

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def _report(client, debtor, **fields):
    token = live_link(debtor.pk).token
    debt = Debt.objects.get(invoice_number="FV-1")
    form = {"debt": str(debt.pk), "kind": "already_paid", "reason": "Pagué en la tienda"}
    form.update(fields)
    return token, debt, client.post(f"/p/{token}/reporte", form)


def test_a_debt_reported_as_paid_with_a_receipt_is_disputed_until_reviewed(client, debtor):
    receipt = SimpleUploadedFile("recibo.png", PNG, content_type="image/png")
    token, _debt, response = _report(client, debtor, receipt=receipt)
    assert response.status_code == 303 and response["Location"] == f"/p/{token}?done=report"
    report = DebtorReport.objects.get()
    assert (report.kind, report.reason, report.receipt_type) == (
        "already_paid",
        "Pagué en la tienda",
        "image/png",
    )
    assert bytes(report.receipt) == PNG
    assert dict(Debt.objects.values_list("invoice_number", "status")) == {
        "FV-1": "disputed",
        "FV-2": "open",
    }


def test_a_receipt_that_is_not_an_image_or_pdf_is_refused_whatever_its_name(client, debtor):
    fake = SimpleUploadedFile("recibo.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    _, _, response = _report(client, debtor, receipt=fake)
    assert response.status_code == 400
    assert "JPG o PNG" in response.content.decode()
    assert not DebtorReport.objects.exists()
    assert set(Debt.objects.values_list("status", flat=True)) == {"open"}


def test_a_receipt_over_5_mb_is_refused(client, debtor):
    big = SimpleUploadedFile("recibo.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024), "application/pdf")
    _, _, response = _report(client, debtor, receipt=big, kind="dispute")
    assert response.status_code == 400
    assert "5 MB" in response.content.decode()
    assert not DebtorReport.objects.exists()


def test_a_report_needs_a_reason(client, debtor):
    _, _, response = _report(client, debtor, reason="  ")
    assert response.status_code == 400
    assert not DebtorReport.objects.exists()
