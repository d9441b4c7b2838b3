"""A few orders in the demo school, so that the registrar's desk is not empty: the applicants'
own, and one paper form 2-07-3 keyed in by the clerk for an alumnus with an open hold."""

from __future__ import annotations

from sealpost.demo.accounts import DEMO_DOMAIN, DEMO_EMAILS
from sealpost.demo.planning import Plan

# The demo alumnus's WES reference: NOT the example the order form shows (1234567), which a
# person trying the demo types; their order would share the seeded one's WES reference.
DEMO_WES_REFERENCE = "5203981"


def write_orders(plan: Plan) -> dict:
    """Place the demo orders (none for an applicant who has orders already)."""
    from sealpost.accounts.models import User
    from sealpost.orders.models import ApplicantType, Channel, Order
    from sealpost.orders.services import Draft, place_order
    from sealpost.records.models import Student

    users = {u.email: u for u in User.objects.filter(email__in=DEMO_EMAILS).select_related("student")}
    placed = 0

    def draft_for(user, applicant_type, documents, recipients, phone, **extra) -> Draft:
        student = user.student
        return Draft(
            applicant_type=applicant_type, documents=documents, name_zh=student.name_zh, name_en=student.name_en,
            phone=phone, email=user.email, recipients=[(user.email, "")] + recipients, **extra,
        )  # fmt: skip

    orders = {
        f"alumnus@{DEMO_DOMAIN}": [
            (ApplicantType.ALUMNUS, [("transcript", "en"), ("degree_certificate", "en")],
             [("transcripts@wes.example.org", f"WES Reference No. {DEMO_WES_REFERENCE}"),
              ("gradadmissions@university.example.edu", "Application ID: 2027-FA-058812")],
             "0912-345-678", {"remarks": "申請美國研究所使用 / For graduate admission in the US", "language": "en",
                              "wes_reference": DEMO_WES_REFERENCE}),
            (ApplicantType.ALUMNUS, [("transcript", "zh"), ("rank_certificate", "zh")],
             [("hr@company.example.com.tw", "應徵職缺編號 R-2026-114")], "0912-345-678", {}),
        ],
        f"student@{DEMO_DOMAIN}": [
            (ApplicantType.CURRENT, [("enrollment_certificate", "en"), ("transcript", "en")],
             [("exchange@university.example.ac.jp", "Exchange programme application, student ID 2027-0412")],
             "0922-118-305", {"language": "zh-hant"}),
        ],
        f"intl@{DEMO_DOMAIN}": [
            (ApplicantType.INTERNATIONAL, [("enrollment_certificate", "en"), ("transcript", "en")],
             [("scholarship@moe.example.gov.tw", "Taiwan Scholarship renewal 2027")], "0975-602-144",
             {"language": "en"}),
        ],
    }  # fmt: skip
    for email, specs in orders.items():
        user = users.get(email)
        if user is None or user.student is None or Order.objects.filter(applicant=user).exists():
            continue
        for applicant_type, documents, recipients, phone, extra in specs:
            draft = draft_for(user, applicant_type, documents, recipients, phone, **extra)
            place_order(student=user.student, draft=draft, applicant=user, actor=user)
            placed += 1

    # A paper form 2-07-3 keyed in by the clerk, for an alumnus with an open hold: the desk
    # then shows the hold check at work.
    clerk = users.get(f"clerk@{DEMO_DOMAIN}")
    with_holds = [s for s in plan.students if any(not released for *_h, released in s.holds)]
    held = next((s for s in with_holds if s.status == "graduated"), with_holds[0] if with_holds else None)
    if clerk is not None and held is not None:
        student = Student.objects.filter(student_number=held.student_number).first()
        if student is not None and not Order.objects.filter(student=student, channel=Channel.FORM_2073).exists():
            draft = Draft(
                applicant_type=ApplicantType.CURRENT if held.status == "current" else ApplicantType.ALUMNUS,
                documents=[("transcript", "zh"),
                           ("degree_certificate" if held.status == "graduated" else "rank_certificate", "zh")],
                name_zh=student.name_zh, name_en=student.name_en, phone="03-422-7151",
                email="alumni.request@example.com", recipients=[("alumni.request@example.com", "")],
                remarks="臨櫃申請，表單 2-07-3", language="zh-hant",
            )  # fmt: skip
            place_order(student=student, draft=draft, actor=clerk, channel=Channel.FORM_2073)
            placed += 1
    return {"orders": placed}
