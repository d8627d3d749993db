"""The phone simulator: what a demo debtor sees on their phone, and their answers (staff only).

Mounted only with ``SANDBOX_ENABLED``. A staff user sees the debtors of their
creditor, as in the inbox (``conversations.scope``); another creditor's debtor
is a 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from recaudo.conversations.scope import AgentRequest, visible_debtors
from recaudo.portfolio.models import ContactPoint, Debtor
from recaudo.roles import may_write
from recaudo.sandbox.client import SandboxClient, SandboxUnavailable
from recaudo.sandbox.forms import ReplyForm
from recaudo.sandbox.rules import TAP_KINDS

PAGE_SIZE = 25
CHANNEL_NAMES = {"whatsapp": "WhatsApp", "sms": "SMS", "rcs": "RCS", "email": "Email"}


def ticks(status: str) -> tuple[str, str]:
    """The mark a phone shows for a message's status, and its label."""
    return {
        "accepted": ("🕓", _("enviando")),
        "queued": ("🕓", _("enviando")),
        "sent": ("✓", _("enviado")),
        "delivered": ("✓✓", _("entregado")),
        "read": ("✓✓", _("leído")),
        "failed": ("✗", _("no entregado")),
        "undelivered": ("✗", _("no entregado")),
    }.get(status, ("", ""))


@staff_member_required
def debtor_list(request: AgentRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    debtors = visible_debtors(request.user).order_by("full_name", "pk")
    if query:
        debtors = debtors.filter(
            Q(full_name__icontains=query)
            | Q(external_id__icontains=query)
            | Q(contact_points__value__icontains=query)
        ).distinct()
    page = Paginator(
        debtors.prefetch_related(
            Prefetch("contact_points", queryset=ContactPoint.objects.order_by("kind", "pk"))
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(request, "sandbox/debtor_list.html", {"page": page, "query": query})


def _local_zone(debtor: Debtor) -> ZoneInfo:
    try:
        return ZoneInfo(debtor.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _conversations(
    client: SandboxClient, addresses: list[str], zone: ZoneInfo
) -> dict[str, list[dict[str, Any]]]:
    """Each channel's messages to and from these addresses, oldest first."""
    by_channel: dict[str, list[dict[str, Any]]] = {name: [] for name in CHANNEL_NAMES}
    for address in addresses:
        for message in client.messages(address):
            mark, label = ticks(message["status"])
            message["mark"], message["mark_label"] = mark, label
            message["when"] = datetime.fromtimestamp(message["created_at"], UTC).astimezone(zone)
            by_channel.setdefault(message["channel"], []).append(message)
    for conversation in by_channel.values():
        conversation.sort(key=lambda message: message["created_at"])
    return by_channel


def _tap(
    request: AgentRequest, client: SandboxClient, debtor: Debtor, phones: list[str]
) -> HttpResponse:
    """The debtor taps a WhatsApp button, list row or quick reply, or an RCS chip, of a
    message shown on the page: the provider's own webhook for that tap goes to Recaudo."""
    channel = request.POST.get("channel", "whatsapp")
    kind = request.POST.get("choice_kind", "")
    choice_id = request.POST.get("choice_id", "")
    title = request.POST.get("choice_title", "")
    phone = request.POST.get("phone", "")
    if kind not in TAP_KINDS.get(channel, ()) or phone not in phones or not title:
        messages.error(request, _("Ese botón no es de este deudor."))
        return redirect("sandbox:phone", pk=debtor.pk)
    try:
        client.inbound(channel, phone, title, name=debtor.full_name, choice=(kind, choice_id))
    except SandboxUnavailable:
        messages.error(request, _("El sandbox no está en ejecución; no se envió la respuesta."))
    except ValueError as error:
        messages.error(request, _("El sandbox rechazó la respuesta: %s") % error)
    else:
        messages.success(request, _("Respuesta enviada por el webhook del proveedor."))
    return redirect("sandbox:phone", pk=debtor.pk)


@staff_member_required
def debtor_phone(request: AgentRequest, pk: int) -> HttpResponse:
    debtor = get_object_or_404(visible_debtors(request.user), pk=pk)
    if request.method == "POST" and not may_write(request.user):
        raise PermissionDenied(_("Su rol solo permite consultar."))
    points = list(debtor.contact_points.order_by("kind", "pk"))
    phones = [point.value for point in points if point.kind == ContactPoint.Kind.PHONE]
    # The debtor may also write (and attach a receipt) from their email.
    senders = phones + [point.value for point in points if point.kind == ContactPoint.Kind.EMAIL]
    client = SandboxClient()
    if request.method == "POST" and request.POST.get("choice_id"):
        return _tap(request, client, debtor, phones)
    form = ReplyForm(request.POST or None, request.FILES or None, phones=senders)
    if request.method == "POST" and form.is_valid():
        try:
            client.inbound(
                form.cleaned_data["channel"],
                form.cleaned_data["phone"],
                form.cleaned_data["text"],
                name=debtor.full_name,
                media=form.sent_file(),
            )
        except SandboxUnavailable:
            messages.error(request, _("El sandbox no está en ejecución; no se envió la respuesta."))
        except ValueError as error:
            messages.error(request, _("El sandbox rechazó la respuesta: %s") % error)
        else:
            messages.success(request, _("Respuesta enviada por el webhook del proveedor."))
            return redirect("sandbox:phone", pk=debtor.pk)
    conversations: dict[str, list[dict[str, Any]]] = {}
    unavailable = False
    try:
        conversations = _conversations(
            client, [point.value for point in points], _local_zone(debtor)
        )
    except SandboxUnavailable:
        unavailable = True
    context = {
        "debtor": debtor,
        "points": points,
        "form": form,
        "can_reply": bool(senders),
        "unavailable": unavailable,
        "sandbox_url": settings.SANDBOX_URL,
        "conversations": [
            (channel, CHANNEL_NAMES.get(channel, channel), conversation)
            for channel, conversation in conversations.items()
        ],
    }
    return render(request, "sandbox/debtor_phone.html", context)
