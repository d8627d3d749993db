"""The inbox's queue page and the supervisors' view of agents' load (``desk.py``,
``routing.py``): thin views, staff only, scoped like the rest of the inbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recaudo.conversations import desk, routing
from recaudo.conversations.models import Thread
from recaudo.conversations.scope import AgentRequest, creditor_scope, scoped
from recaudo.conversations.views import staff_only, visible_thread
from recaudo.portfolio.models import Creditor
from recaudo.roles import may_approve

# --- The queue --------------------------------------------------------------------


def _queue_context(request: AgentRequest) -> dict[str, Any]:
    filters = desk.Filters.from_query(request.GET)
    now = timezone.now()
    sla = desk.sla_minutes()
    limit = desk.CLOSED_LIMIT if filters.state == "closed" else desk.QUEUE_LIMIT
    rows = [
        (thread, minutes, minutes is not None and thread.state == "waiting_agent" and minutes > sla)
        for thread in desk.queue(request.user, filters)[:limit]
        for minutes in [desk.waited_minutes(thread, now)]
    ]
    return {
        "rows": rows,
        "threads": [row[0] for row in rows],
        "filters": filters,
        "query_string": request.GET.urlencode(),
        "sla": sla,
    }


@staff_only
def queue(request: AgentRequest) -> HttpResponse:
    scope = creditor_scope(request.user)
    context = _queue_context(request)
    context.update(
        {
            "counts": desk.counts(request.user),
            "portal_items": desk.portal_items(request.user),
            "creditors": scoped(Creditor.objects.order_by("name"), scope, "pk"),
            "debtor_languages": settings.LANGUAGES,
            "states": [(code, label) for code, label in Thread.State.choices if code != "bot"],
            "may_approve": may_approve(request.user),
            "zone": desk.staff_zone(request.user),
        }
    )
    return render(request, "conversations/queue.html", context)


@staff_only
def queue_list(request: AgentRequest) -> HttpResponse:
    """The queue's table alone: the queue page reloads it every few seconds."""
    if not request.htmx:
        return redirect(reverse("inbox:queue"))
    response = render(request, "conversations/_queue_list.html", _queue_context(request))
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- Agents' load (supervisors) ----------------------------------------------------


@staff_only
def agents(request: AgentRequest) -> HttpResponse:
    if not may_approve(request.user):
        raise PermissionDenied(_("Solo un supervisor ve la carga de los agentes."))
    loads = desk.agents_load(request.user)
    return render(
        request,
        "conversations/agents.html",
        {"loads": loads, "agents": [item.agent for item in loads], "now": timezone.now()},
    )


@staff_only
@require_POST
def reassign(request: AgentRequest, thread_id: int) -> HttpResponse:
    if not may_approve(request.user):
        raise PermissionDenied(_("Solo un supervisor reasigna conversaciones."))
    visible_thread(request, thread_id)
    chosen = request.POST.get("agent", "")
    agent = User.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    try:
        if chosen and agent is None:
            raise routing.RoutingError(_("Elija un agente que trabaje para este acreedor."))
        routing.reassign(thread_id, request.user, agent, request.POST.get("reason", ""))
    except routing.RoutingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Conversación reasignada."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("inbox:agents")
    return redirect(back)
