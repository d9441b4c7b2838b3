from django.conf import settings
from django.utils.translation import get_language


def site(request):
    zh = (get_language() or "").startswith("zh")
    return {
        "institution_name": settings.INSTITUTION_NAME_ZH if zh else settings.INSTITUTION_NAME_EN,
        "demo": settings.DEMO,
    }
