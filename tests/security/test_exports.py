"""CSV injection: exports never hand a spreadsheet a formula; imports refuse formula-like text."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from recaudo.conversations.models import Message
from recaudo.conversations.timeline import as_csv
from recaudo.exports import csv_writer, safe_cell
from tests.conversations.helpers import waiting_thread
from tests.helpers import ROOT

LINK = '=HYPERLINK("http://x","clic")'


def test_every_text_cell_a_spreadsheet_would_run_gets_a_quote_and_numbers_are_kept():
    texts = [LINK, "+1 555", "-2", "@SUM(A1)", "\t=1", "\r=1", "\n=1"]

    assert [safe_cell(text) for text in texts] == [f"'{text}" for text in texts]
    assert [safe_cell(value) for value in ("Ana", "1+1", "", Decimal("-2.50"), -2, 1.5, None)] == [
        "Ana", "1+1", "", Decimal("-2.50"), -2, 1.5, None,
    ]  # fmt: skip


def test_the_csv_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["=1+1", Decimal("-2")])
    writer.writerows([["-2", "ok"], ["a,=b", "@x"]])

    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=1+1", "-2"],
        ["'-2", "ok"],
        ["a,=b", "'@x"],
    ]


@pytest.mark.django_db
def test_the_conversation_csv_writes_formulas_from_debtors_and_agents_as_text(creditor):
    thread = waiting_thread(creditor, "+573001110007", "1000.00", LINK, full_name=LINK)
    agent = User.objects.create_user("@agente", is_staff=True)
    for text in ("+1 555", "-2"):
        Message.objects.create(
            thread=thread, direction="out", kind="note", author="agent", agent=agent,
            text=text, occurred_at=datetime(2026, 12, 1, 12, tzinfo=UTC),
        )  # fmt: skip

    rows = list(csv.reader(io.StringIO(as_csv(thread))))

    texts = [row[8] for row in rows[1:]]
    assert f"'{LINK}" in texts and "'+1 555" in texts and "'-2" in texts
    assert {row[4] for row in rows[1:] if row[3] == "agent"} == {"'@agente"}
    formulas = [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t")]
    assert formulas == []


# Writers a module could use to write a spreadsheet without the helper.
_RAW_WRITERS = re.compile(
    r"csv\.(writer|DictWriter)\(|from csv import[^\n]*\b(writer|DictWriter)\b"
    r"|openpyxl\.Workbook\(|from openpyxl import[^\n]*\bWorkbook\b|xlsxwriter"
)


def test_no_module_writes_csv_or_xlsx_except_through_the_export_helper():
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "recaudo").rglob("*.py"))
        if path.name != "exports.py" and _RAW_WRITERS.search(path.read_text(encoding="utf-8"))
    ]

    assert offenders == []
