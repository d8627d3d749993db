"""Import from the browser: upload, map the columns, check, confirm, follow, read the summary.

Thin views over ``portfolio/import_jobs.py``; the worker runs the check and
the import (docs/staff.md, "Imports"). Supervisors and admins only (others get
403); a job of a creditor outside the user's scope is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped
from recaudo.conversations.views import staff_only
from recaudo.portfolio import import_jobs
from recaudo.portfolio.headers import COLUMNS, REQUIRED
from recaudo.portfolio.models import Creditor, ImportJob
from recaudo.roles import may_approve

# What each field holds, for the mapping's choices (the canonical name follows it).
FIELD_LABELS = {
    "external_id": gettext_lazy("id de la deuda o del pago"),
    "debtor_external_id": gettext_lazy("id del deudor"),
    "debt_external_id": gettext_lazy("id de la deuda pagada"),
    "reference": gettext_lazy("referencia de pago del deudor"),
    "full_name": gettext_lazy("nombre completo"),
    "first_name": gettext_lazy("nombre para saludar"),
    "kind": gettext_lazy("persona o empresa"),
    "national_id_type": gettext_lazy("tipo de documento"),
    "national_id_number": gettext_lazy("número de documento"),
    "country": gettext_lazy("país"),
    "timezone": gettext_lazy("zona horaria"),
    "region": gettext_lazy("región o estado"),
    "language": gettext_lazy("idioma"),
    "tags": gettext_lazy("etiquetas"),
    "phone": gettext_lazy("teléfono"),
    "email": gettext_lazy("correo"),
    "consent": gettext_lazy("canales autorizados"),
    "whatsapp_opt_in": gettext_lazy("acepta WhatsApp"),
    "invoice_number": gettext_lazy("número de factura"),
    "description": gettext_lazy("descripción"),
    "currency": gettext_lazy("moneda"),
    "amount": gettext_lazy("monto"),
    "issued_on": gettext_lazy("fecha de emisión"),
    "due_on": gettext_lazy("fecha de vencimiento"),
    "status": gettext_lazy("estado"),
    "paid_at": gettext_lazy("fecha del pago"),
    "method": gettext_lazy("medio de pago"),
}
# The summary's rows: what was counted, in which column.
SUMMARY_ROWS = (
    ("debts", gettext_lazy("Deudas")),
    ("debtors", gettext_lazy("Deudores")),
    ("payments", gettext_lazy("Pagos")),
    ("contact_points", gettext_lazy("Medios de contacto")),
)
ERRORS_PER_PAGE = 100
JOBS_PER_PAGE = 50


def _importer(request: AgentRequest) -> None:
    if not may_approve(request.user):
        raise PermissionDenied(_("Solo un supervisor o un administrador importa archivos."))


def _creditors(request: AgentRequest) -> QuerySet[Creditor]:
    return scoped(Creditor.objects.all(), creditor_scope(request.user), "pk").order_by("name", "pk")


def _job(request: AgentRequest, job_id: int) -> ImportJob:
    jobs = scoped(
        ImportJob.objects.select_related("creditor", "created_by"), creditor_scope(request.user)
    )
    return get_object_or_404(jobs, pk=job_id)


def _to_job(job: ImportJob) -> HttpResponse:
    return redirect(reverse("staff:import_job", args=[job.pk]))


@staff_only
def imports(request: AgentRequest) -> HttpResponse:
    """The upload form and the past imports of the user's creditors."""
    _importer(request)
    creditors = _creditors(request)
    if request.method == "POST":
        return _upload(request, creditors)
    jobs = scoped(
        ImportJob.objects.select_related("creditor", "created_by"), creditor_scope(request.user)
    )
    chosen = request.GET.get("creditor", "")
    if chosen:
        # Another creditor's list is a 404, as its rows are.
        creditor = get_object_or_404(creditors, pk=int(chosen) if chosen.isdigit() else 0)
        jobs = jobs.filter(creditor=creditor)
    # A job's errors (up to 10,000) and mapping are for its own page, not the list.
    jobs = jobs.defer("header", "mapping", "counts", "probable_company_lines")
    page = Paginator(jobs.order_by("-created_at", "-pk"), JOBS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "staff/imports.html",
        {
            "creditors": creditors,
            "chosen": chosen,
            "kinds": ImportJob.Kind.choices,
            "page": page,
            "max_mb": import_jobs.max_upload_bytes() // 1_000_000,
        },
    )


def _upload(request: AgentRequest, creditors: QuerySet[Creditor]) -> HttpResponse:
    creditor_id = request.POST.get("creditor", "")
    creditor = get_object_or_404(creditors, pk=int(creditor_id) if creditor_id.isdigit() else 0)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Elija el archivo."))
        return redirect(reverse("staff:imports"))
    try:
        job = import_jobs.upload(
            creditor,
            request.POST.get("kind", ""),
            upload,
            user=request.user,
            language=get_language() or "es",
        )
    except import_jobs.UploadProblem as problem:
        messages.error(request, str(problem))
        return redirect(reverse("staff:imports"))
    return _to_job(job)


@staff_only
def import_job(request: AgentRequest, job_id: int) -> HttpResponse:
    """The job in whatever state it is: mapping, progress, check, summary."""
    _importer(request)
    job = _job(request, job_id)
    context: dict[str, Any] = {
        "job": job,
        "following": job.status in (*ImportJob.QUEUED, *ImportJob.RUNNING),
    }
    if job.status == ImportJob.Status.MAPPING:
        context.update(_mapping_context(job, job.mapping))
    if job.status in (ImportJob.Status.CHECKED, ImportJob.Status.FAILED):
        rows = job.error_rows.order_by("position").values_list("line", "column", "message")
        page = Paginator(rows, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
        context["errors"] = page
        context["kept"] = page.paginator.count
        context["error_lines"] = [
            _("línea %(line)s: %(column)s: %(message)s")
            % {"line": line, "column": column, "message": message}
            for line, column, message in page
        ]
    if job.status in (ImportJob.Status.CHECKED, ImportJob.Status.DONE):
        context["summary"] = _summary(job.counts)
    return render(request, "staff/import_job.html", context)


def _mapping_context(job: ImportJob, mapping: list[str]) -> dict[str, Any]:
    samples = import_jobs.preview(job)
    fields = COLUMNS[job.kind]
    choices = [("", _("no importar esta columna"))] + [
        (name, f"{FIELD_LABELS.get(name, name)} ({name})") for name in fields
    ]
    columns = [
        (
            index,
            header,
            mapping[index] if index < len(mapping) else "",
            [row[index] for row in samples if index < len(row)],
        )
        for index, header in enumerate(job.header)
    ]
    required = ", ".join(f"{FIELD_LABELS.get(name, name)} ({name})" for name in REQUIRED[job.kind])
    return {"columns": columns, "choices": choices, "required": required}


def _summary(counts: dict[str, int]) -> list[tuple[str, int, int, int]]:
    rows = []
    for prefix, label in SUMMARY_ROWS:
        created = counts.get(f"{prefix}_created", 0) + counts.get(f"{prefix}_recorded", 0)
        updated = counts.get(f"{prefix}_updated", 0)
        unchanged = counts.get(f"{prefix}_unchanged", 0)
        if created or updated or unchanged:
            rows.append((str(label), created, updated, unchanged))
    return rows


@staff_only
@require_POST
def import_mapping(request: AgentRequest, job_id: int) -> HttpResponse:
    _importer(request)
    job = _job(request, job_id)
    mapping = [request.POST.get(f"column_{index}", "") for index in range(len(job.header))]
    problems = import_jobs.choose_mapping(job, mapping)
    if problems:
        job.mapping = mapping
        context = {"job": job, "following": False, "problems": problems}
        context.update(_mapping_context(job, mapping))
        return render(request, "staff/import_job.html", context, status=422)
    return _to_job(job)


@staff_only
@require_POST
def import_confirm(request: AgentRequest, job_id: int) -> HttpResponse:
    _importer(request)
    job = _job(request, job_id)
    if not import_jobs.confirm(job):
        messages.error(request, _("Solo se importa un archivo revisado y sin errores."))
    return _to_job(job)


@staff_only
@require_POST
def import_cancel(request: AgentRequest, job_id: int) -> HttpResponse:
    _importer(request)
    job = _job(request, job_id)
    if request.POST.get("remap"):
        if not import_jobs.back_to_mapping(job):
            messages.error(request, _("Esta importación ya no se puede cambiar."))
        return _to_job(job)
    if import_jobs.cancel(job):
        messages.success(request, _("Importación cancelada; el archivo se borró."))
    else:
        messages.error(request, _("Esta importación ya no se puede cancelar."))
    return redirect(reverse("staff:imports"))
