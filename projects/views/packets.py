"""Meeting packets (會議資料): the list with the request forms, the status page that polls its
own JSON while the packet is built, and the download.

Reviewers and admins only (bureau users get 403). A POST creates the ``Packet`` row and sends
the task after the transaction commits; the status page reads the row's progress. Packets are
city-wide documents of the commission, so they are not narrowed by agency.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from projects.choices import PacketKind, PacketState
from projects.forms.packets import AgendaPacketForm, QuarterlyPacketForm
from projects.models import Packet
from projects.packets import IN_PROGRESS, request_packet
from tainan_rdec.choices import Role
from tainan_rdec.scoping import role_required

PAGE_SIZE = 20

commission_only = role_required(Role.REVIEWER, Role.ADMIN)


@commission_only
@require_http_methods(["GET", "POST"])
def packet_list(request):
    today = timezone.localdate()
    quarterly = QuarterlyPacketForm(today=today, prefix="quarterly")
    agenda = AgendaPacketForm(prefix="agenda")
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind == PacketKind.QUARTERLY:
            quarterly = form = QuarterlyPacketForm(request.POST, today=today, prefix="quarterly")
        elif kind == PacketKind.MONTHLY_AGENDA:
            agenda = form = AgendaPacketForm(request.POST, prefix="agenda")
        else:
            form = None
        if form is not None and form.is_valid():
            packet, created = request_packet(form.packet(request.user))
            if not created:
                messages.info(request, _("相同的會議資料已在製作中，以下為其進度。"))
            return redirect("projects:packet_detail", pk=packet.pk)
    packets = Packet.objects.select_related("requested_by", "meeting")
    page = Paginator(packets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/packet_list.html",
        {
            "page": page,
            "quarterly_form": quarterly,
            "agenda_form": agenda,
            "rows": [(packet, status_text(packet)) for packet in page.object_list],
            "kinds": PacketKind,
        },
        status=400 if request.method == "POST" else 200,
    )


def status_text(packet: Packet) -> str:
    """What the status line says: 排隊中, 製作中 3/12, 已完成（共 48 頁）, 製作失敗."""
    if packet.state == PacketState.BUILDING:
        if packet.progress_total:
            return _("製作中 {done}/{total}").format(
                done=packet.progress_done, total=packet.progress_total
            )
        return _("製作中")
    if packet.state == PacketState.READY:
        return _("已完成（共 {pages} 頁）").format(pages=packet.pages)
    return str(packet.get_state_display())


@commission_only
def packet_detail(request, pk):
    packet = get_object_or_404(Packet.objects.select_related("requested_by", "meeting"), pk=pk)
    ready = packet.state == PacketState.READY and bool(packet.file)
    download_url = reverse("projects:packet_download", args=[packet.pk]) if ready else ""
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "state": packet.state,
                "state_label": str(packet.get_state_display()),
                "status": status_text(packet),
                "done": packet.progress_done,
                "total": packet.progress_total,
                "pages": packet.pages,
                "finished": packet.state not in IN_PROGRESS,
                "download_url": download_url,
                "error": packet.error if packet.state == PacketState.FAILED else "",
            },
            headers={"Cache-Control": "no-store"},
        )
    return render(
        request,
        "projects/packet_detail.html",
        {
            "packet": packet,
            "status": status_text(packet),
            "in_progress": packet.state in IN_PROGRESS,
            "download_url": download_url,
        },
    )


@commission_only
def packet_download(request, pk):
    packet = get_object_or_404(Packet, pk=pk, state=PacketState.READY)
    if not packet.file:
        raise Http404
    try:
        handle = packet.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{packet.title}.pdf",
        content_type="application/pdf",
    )
