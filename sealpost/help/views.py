"""The manual's pages: /help/ for applicants (public), /desk/help/ for the registrar's staff."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language

from sealpost.accounts.access import staff_required
from sealpost.help import manual


def _index(request, audience: str):
    return render(request, "help/index.html", {
        "audience": audience,
        "pages": manual.pages(get_language(), audience),
    })


def _page(request, audience: str, slug: str):
    page = manual.find(get_language(), audience, slug)
    if page is None:
        raise Http404
    previous, following = manual.neighbours(page)
    return render(request, "help/page.html", {
        "audience": audience,
        "page": page,
        "pages": manual.pages(get_language(), audience),
        "previous": previous,
        "next": following,
        "index_url": manual.index_url(audience),
    })


def index(request):
    return _index(request, "applicant")


def page(request, slug):
    return _page(request, "applicant", slug)


@staff_required()
def staff_index(request):
    return _index(request, "staff")


@staff_required()
def staff_page(request, slug):
    return _page(request, "staff", slug)
