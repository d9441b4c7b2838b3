"""The order form (seed form and form 2-07-3) with its recipient rows."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sealpost.documents.types import DocumentLanguage, DocumentType
from sealpost.orders import scans, validation
from sealpost.orders.models import ApplicantType
from sealpost.records.models import StudentStatus

DOCUMENT_CHOICES = [
    (f"{t.value}:{lang.value}", format_lazy("{} ({})", t.label, lang.label))
    for t in DocumentType for lang in DocumentLanguage
]

# Which documents a student of a given status may order.
DOCUMENTS_FOR_STATUS = {
    StudentStatus.GRADUATED: {DocumentType.TRANSCRIPT, DocumentType.DEGREE_CERTIFICATE, DocumentType.RANK_CERTIFICATE},
    StudentStatus.CURRENT: {DocumentType.TRANSCRIPT, DocumentType.ENROLLMENT_CERTIFICATE, DocumentType.RANK_CERTIFICATE},
    StudentStatus.WITHDRAWN: {DocumentType.TRANSCRIPT},
}


def unavailable_document_message(doc_type: str):
    if doc_type == DocumentType.DEGREE_CERTIFICATE:
        return _("A degree certificate can be issued only to graduates.")
    if doc_type == DocumentType.ENROLLMENT_CERTIFICATE:
        return _("An enrollment certificate can be issued only to current students.")
    return _("This document cannot be issued for this student record.")


class OrderForm(forms.Form):
    applicant_type = forms.ChoiceField(
        label=_("I am"), choices=ApplicantType.choices, widget=forms.RadioSelect
    )
    documents = forms.MultipleChoiceField(
        label=_("Documents"), choices=DOCUMENT_CHOICES, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one document.")},
    )
    name_zh = forms.CharField(label=_("Chinese name"), max_length=50, required=False)
    name_en = forms.CharField(
        label=_("English name"), max_length=100,
        help_text=_("Required. Printed exactly as you type it on the documents sent abroad; it must "
                    "match your passport, e.g. CHEN, TA-WEI."),
    )
    phone = forms.CharField(label=_("Contact phone"), max_length=30)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    wes_reference = forms.CharField(
        label=_("WES reference number"), max_length=40, required=False,
        help_text=_("If the records are for WES: the reference number WES gave you, e.g. 1234567. Give it here "
                    "only: this field is the number we use, even if a message or the remarks mention another."),
    )
    remarks = forms.CharField(label=_("Remarks"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, student=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.student = student
        self.name_zh_warning: list[str] = []

    def allowed_documents(self) -> set[str]:
        if self.student is None:
            return {t.value for t in DocumentType}
        return {t.value for t in DOCUMENTS_FOR_STATUS[self.student.status]}

    def clean_documents(self):
        allowed = self.allowed_documents()
        for value in self.cleaned_data["documents"]:
            doc_type = value.split(":", 1)[0]
            if doc_type not in allowed:
                raise ValidationError(unavailable_document_message(doc_type), code="not_allowed")
        return list(dict.fromkeys(self.cleaned_data["documents"]))  # a hand-made POST may repeat one

    def clean_name_en(self):
        return validation.validate_name_en(self.cleaned_data["name_en"])

    def clean_name_zh(self):
        return validation.validate_name_zh(self.cleaned_data["name_zh"])

    def clean_phone(self):
        return validation.validate_phone(self.cleaned_data["phone"])

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_wes_reference(self):
        from sealpost.orders.wes import parse_field

        value = validation.clean_spaces(self.cleaned_data["wes_reference"])
        if value and not parse_field(value):
            raise ValidationError(
                _("This does not look like a WES reference number (digits, sometimes followed by letters, e.g. 1234567 or 1234567IMM)."),
                code="wes_reference",
            )
        return value

    def clean_remarks(self):
        value = self.cleaned_data["remarks"].strip()
        if validation.has_control_characters(value.replace("\n", "").replace("\r", "")):
            raise ValidationError(_("The remarks contain an invisible control character."), code="control_character")
        return value


class RecipientForm(forms.Form):
    email = forms.EmailField(label=_("Recipient e-mail"), max_length=254)
    message = forms.CharField(
        label=_("Message to the recipient"), max_length=500, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Information for the receiving school, e.g. an Application ID or ASUID."),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_message(self):
        value = self.cleaned_data["message"].strip()
        if validation.has_control_characters(value.replace("\n", "").replace("\r", "")):
            raise ValidationError(_("The message contains an invisible control character."), code="control_character")
        return value


class BaseRecipientFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            email = form.cleaned_data.get("email")
            if email in seen:
                form.add_error("email", ValidationError(
                    _("This address is already a recipient; each recipient needs a different e-mail address."),
                    code="duplicate",
                ))
            seen.add(email)


def recipient_formset_class():
    return forms.formset_factory(
        RecipientForm, formset=BaseRecipientFormSet, extra=0, min_num=1, validate_min=True,
        max_num=settings.MAX_RECIPIENTS, validate_max=True, absolute_max=settings.MAX_RECIPIENTS,
    )


class DeskOrderForm(OrderForm):
    """Form 2-07-3 keyed in by a clerk: the student is named by number, the scan attached."""

    field_order = ["student_number"]
    student_number = forms.CharField(label=_("Student number"), max_length=20)
    language = forms.ChoiceField(label=_("Language for messages to the applicant"), choices=settings.LANGUAGES)
    scanned_form = forms.FileField(
        label=_("Scanned form 2-07-3"), required=False,
        help_text=_("PDF, PNG or JPEG, at most 10 MB."),
    )

    def clean_student_number(self):
        from sealpost.records.models import Student

        number = self.cleaned_data["student_number"].strip().upper()
        try:
            self.student = Student.objects.get(student_number__iexact=number)
        except Student.DoesNotExist:
            raise ValidationError(_("No student record has this student number."), code="unknown_student")
        return self.student.student_number

    def clean_scanned_form(self):
        """Accepted for what the file is, whatever its name: a PDF that opens, a whole PNG or
        JPEG (orders.scans), renamed to its canonical extension (kept as <order number>.pdf,
        .png or .jpg)."""
        upload = self.cleaned_data.get("scanned_form")
        if not upload:
            return upload
        return scans.validate_upload(upload)
