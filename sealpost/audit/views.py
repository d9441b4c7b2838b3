"""The audit trail on the desk, for auditors and officers: the latest entries, filtered by
action and object, and a button that checks the chain."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_POST

from sealpost.audit import services
from sealpost.audit.models import AuditEntry, canonical_json

# The roles that read the trail, as the values of accounts.models.Role (AUDITOR, OFFICER): the
# audit trail sits below accounts and imports nothing of it.
READERS = {"auditor", "officer"}
PER_PAGE = 50


def reader_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.role not in READERS:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _trail(request, result=None):
    source = request.POST if request.method == "POST" else request.GET
    action = source.get("action", "").strip()
    object_id = source.get("object", "").strip()
    entries = AuditEntry.objects.order_by("-seq")
    if action:
        entries = entries.filter(action=action)
    if object_id:
        entries = entries.filter(object_id__in={object_id, object_id.upper()})
    page = Paginator(entries, PER_PAGE).get_page(source.get("page"))
    for entry in page.object_list:
        entry.label = services.action_label(entry.action)
        entry.object_label = services.object_type_label(entry.object_type)
        entry.details_json = canonical_json(entry.details) if entry.details else ""
    actions = sorted(services.ACTIONS)
    if action and action not in services.ACTIONS:
        actions.append(action)
    return render(request, "audit/trail.html", {
        "page": page,
        "actions": [(a, services.action_label(a)) for a in actions],
        "filters": {"action": action, "object": object_id},
        "result": result,
    })


@reader_required
def trail(request):
    return _trail(request)


@require_POST
@reader_required
def check(request):
    """Check the whole chain: a POST, since it reads every entry."""
    return _trail(request, services.verify_chain())
