"""What the API accepts and answers, as described in its OpenAPI document.

The input schemas check only the shape of the JSON (which fields, which JSON types). What the
values may be is checked by the same forms as the web order form (orders.forms), so that the
API and the portal accept exactly the same orders; the allowed values are still listed here
(``enum``) so that the OpenAPI description is complete.
"""

from datetime import datetime
from typing import Annotated, Literal, Optional

from django.conf import settings
from ninja import Field, Schema
from pydantic import ConfigDict
from pydantic.json_schema import WithJsonSchema

from sealpost.documents.types import DocumentLanguage, DocumentType
from sealpost.orders.models import ApplicantType, Channel, Status

DOCUMENT_TYPES = [t.value for t in DocumentType]
DOCUMENT_LANGUAGES = [lang.value for lang in DocumentLanguage]
APPLICANT_TYPES = [t.value for t in ApplicantType]
MESSAGE_LANGUAGES = [code for code, _name in settings.LANGUAGES]

# A language code that may also be null: the enum belongs to the string, not to null.
MessageLanguage = Annotated[str, WithJsonSchema({"type": "string", "enum": MESSAGE_LANGUAGES})]


class DocumentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(..., description="The kind of document.", json_schema_extra={"enum": DOCUMENT_TYPES})
    language: str = Field(..., description="The language it is issued in.", json_schema_extra={"enum": DOCUMENT_LANGUAGES})


class RecipientIn(Schema):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(..., description="Where the document is sent.", examples=["admissions@example.edu"])
    message: Optional[str] = Field(
        "", description="Information for the receiving school (at most 500 characters), e.g. an "
        "Application ID or “WES Reference No. 1234567”.",
    )


class OrderIn(Schema):
    model_config = ConfigDict(extra="forbid")

    applicant_type: str = Field(..., json_schema_extra={"enum": APPLICANT_TYPES})
    student_number: Optional[str] = Field(
        None, description="Required for registrar staff. An applicant may leave it out; if given, it "
        "must be the number of the student record linked to their account.",
        examples=["109502001"],
    )
    name_zh: Optional[str] = Field("", description="Chinese name, at most 50 characters.", examples=["陳大偉"])
    name_en: str = Field(
        ..., description="English name as in the passport; Latin letters, spaces and - , ' . only; "
        "printed exactly as given.", examples=["CHEN, TA-WEI"],
    )
    phone: str = Field(..., description="Contact phone, 7 to 20 digits.", examples=["0912-345-678"])
    email: str = Field(..., description="The applicant's e-mail address.", examples=["ta-wei.chen@example.com"])
    remarks: Optional[str] = Field("", description="Remarks (備註), at most 1000 characters.")
    wes_reference: Optional[str] = Field(
        None, description="The WES reference number, if the records are for WES. It is also found in "
        "the remarks and recipient messages (“WES Reference No. 1234567”).", examples=["1234567"],
    )
    language: Optional[MessageLanguage] = Field(
        None, description="Language of the messages sent to the applicant; by default the language of "
        "the request (Accept-Language).",
    )
    documents: list[DocumentIn] = Field(..., description="At least one; each type and language at most once.")
    recipients: list[RecipientIn] = Field(
        ..., description=f"1 to {settings.MAX_RECIPIENTS} recipients, each with a different e-mail "
        f"address. The first {settings.FREE_RECIPIENTS} are free; each further one costs "
        f"NT${settings.RECIPIENT_FEE}.",
    )


class FeeLineOut(Schema):
    kind: Literal["document", "recipient"]
    code: str = Field(..., description="The document type, or extra_recipient.")
    language: Optional[str] = Field(..., description="The document's language; null for the recipient line.")
    quantity: int
    unit_amount: int = Field(..., description="NT$")
    amount: int = Field(..., description="NT$")
    label: str = Field(..., description="The line as shown to a person, in the request's language.")


class FeeOut(Schema):
    total: int = Field(..., description="NT$", examples=[140])
    currency: Literal["TWD"]
    lines: list[FeeLineOut]


class DocumentOut(Schema):
    type: str = Field(..., json_schema_extra={"enum": DOCUMENT_TYPES})
    language: str = Field(..., json_schema_extra={"enum": DOCUMENT_LANGUAGES})
    label: str


class RecipientOut(Schema):
    position: int = Field(..., description="1 to 10, in the order given.")
    email: str
    message: str


class EventOut(Schema):
    at: datetime
    kind: str = Field(..., description="What happened, e.g. submitted, cancelled, wes_conflict.")
    from_status: Optional[str]
    to_status: Optional[str]


class WarningOut(Schema):
    code: str = Field(..., description="unsupported_characters, wes_conflict or name_en_format.")
    field: str = Field(..., description="The field the warning is about.")
    message: str


class OrderOut(Schema):
    number: str = Field(..., examples=["SP7K2M9QXD"])
    status: str = Field(..., json_schema_extra={"enum": [s.value for s in Status]})
    applicant_type: str = Field(..., json_schema_extra={"enum": APPLICANT_TYPES})
    channel: str = Field(..., json_schema_extra={"enum": [c.value for c in Channel]})
    student_number: str
    name_zh: str
    name_en: str
    email: str
    phone: str
    remarks: str
    language: str = Field(..., description="Language of the messages sent to the applicant.")
    fee: FeeOut
    documents: list[DocumentOut]
    recipients: list[RecipientOut]
    wes_reference: Optional[str] = Field(..., description="The WES reference number found, or null.")
    wes_conflict: list[str] = Field(
        ..., description="Every distinct WES reference number found when the places disagree (the "
        "first one is used); empty otherwise.",
    )
    warnings: list[WarningOut] = Field(..., description="What the applicant should check; the order was placed.")
    created_at: datetime
    history: list[EventOut]


class ErrorOut(Schema):
    detail: str = Field(..., description="What went wrong, for a person.")
    errors: dict[str, list[str]] = Field(
        ..., description="Messages by field: top-level fields by name, recipients as recipients[0].email "
        "(index from 0), the recipient list as a whole as recipients, the documents as documents, a body "
        "that is not a JSON object as body. Empty when no field is at fault.",
        examples=[{"name_en": ["This field is required."], "recipients[1].email": ["Enter a valid email address."]}],
    )
