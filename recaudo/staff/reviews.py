"""The review queue: "ya pagué" receipts and disputes in one list, oldest first.

Each row shows its evidence: the debtor's words, the debt and its balance,
and the receipt they sent (an image inline, a PDF opened in its own page),
served from the database with the type its first bytes proved and a policy
that runs nothing. A supervisor (or an admin) confirms or rejects each with a
reason (``staff.actions.review_report``: audited; the debtor hears it through
the existing notices). Others read the list without the buttons; their POST
is a 403. Another creditor's report is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_POST

from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped
from recaudo.conversations.views import staff_only
from recaudo.languages import staff_money
from recaudo.payments.models import DebtorReport
from recaudo.roles import may_approve
from recaudo.staff import actions
from recaudo.staff.home import pending_reviews

LIMIT = 200


@staff_only
def reviews(request: AgentRequest) -> HttpResponse:
    waiting = (
        pending_reviews(creditor_scope(request.user))
        .select_related("debtor", "debt")
        .defer("receipt")
        .order_by("created_at", "pk")[:LIMIT]
    )
    rows = [
        (report, staff_money(report.debt.balance, report.debt.currency, report.debtor.country))
        for report in waiting
    ]
    return render(
        request, "staff/reviews.html", {"rows": rows, "may_approve": may_approve(request.user)}
    )


@staff_only
@xframe_options_deny
def receipt(request: AgentRequest, report_id: int) -> HttpResponse:
    """The receipt as stored, with the type its first bytes proved (never its name's)."""
    report = get_object_or_404(
        scoped(DebtorReport.objects.all(), creditor_scope(request.user)), pk=report_id
    )
    if not report.receipt or not report.receipt_type:
        raise Http404("no receipt")
    response = HttpResponse(bytes(report.receipt), content_type=report.receipt_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    # An image or PDF opened here runs nothing: no scripts, no plugins' scripts, no frames.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_only
@require_POST
def decide(request: AgentRequest, report_id: int) -> HttpResponse:
    if not may_approve(request.user):
        raise PermissionDenied(_("Solo un supervisor confirma o rechaza reportes."))
    report = get_object_or_404(
        scoped(DebtorReport.objects.select_related("debtor"), creditor_scope(request.user)),
        pk=report_id,
    )
    confirm = request.POST.get("decision") == "confirm"
    try:
        actions.review_report(
            report, request.user, confirm=confirm, reason=request.POST.get("reason", "")
        )
    except actions.StaffError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Reporte confirmado: se le avisa al deudor.")
            if confirm
            else _("Reporte rechazado: los recordatorios siguen y se le avisa al deudor."),
        )
    return redirect(reverse("staff:reviews"))
