"""``{% load help %}{% help_link "paying" %}``: a link to the manual's page that explains this one.

The first argument is the page's slug, optionally with an anchor (``"questions#hold"``); the
second the audience, ``"staff"`` for the desk's manual (default: the applicants'). The link reads
"Help: <the page's title>" in the page's language. sealpost/help/tests check that every slug and
anchor used in a template exists in both languages.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sealpost.help import manual

register = template.Library()


@register.simple_tag
def help_link(target: str, audience: str = "applicant"):
    slug, _sep, anchor = target.partition("#")
    page = manual.find(get_language(), audience, slug)
    if page is None:  # a slug the tests would report: send to the contents rather than a 404
        return format_html('<a class="help-link" href="{}">{}</a>', manual.index_url(audience), _("Help"))
    return format_html('<a class="help-link" href="{}">{}</a>', manual.page_url(audience, slug, anchor),
                       _("Help: %(title)s") % {"title": page.title})
