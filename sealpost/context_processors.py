from django.conf import settings
from django.utils.translation import get_language


def site(request):
    zh = (get_language() or "").startswith("zh")
    return {
        "institution_name": settings.INSTITUTION_NAME_ZH if zh else settings.INSTITUTION_NAME_EN,
        "demo": settings.DEMO,
        # Where the header's language switch comes back to: the page itself, unless the view names
        # the page's own address (an answer to a POST: verify.views.result). Defined here so that
        # no page looks up a missing variable (whose debug log would dump the context).
        "language_next": "",
    }
