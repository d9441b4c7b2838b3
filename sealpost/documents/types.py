"""The kinds of official document and the languages they are issued in."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentType(models.TextChoices):
    TRANSCRIPT = "transcript", _("Transcript")
    DEGREE_CERTIFICATE = "degree_certificate", _("Degree certificate")
    ENROLLMENT_CERTIFICATE = "enrollment_certificate", _("Enrollment certificate")
    RANK_CERTIFICATE = "rank_certificate", _("Rank certificate")


class DocumentLanguage(models.TextChoices):
    ZH = "zh", _("Chinese")
    EN = "en", _("English")
