"""The demo accounts: the registrar's staff (clerk, officer, auditor) and three applicants linked
to featured students of the demo school, all with one password; staff sign in with the code
``sealpost totp EMAIL`` prints."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from sealpost.demo.planning import Plan

DEMO_PASSWORD = "demo-pass-2026"
DEMO_DOMAIN = "demo.sealpost.test"

# (role, e-mail, full name, language, featured student key or None)
DEMO_ACCOUNTS = [
    ("clerk", f"clerk@{DEMO_DOMAIN}", "王美玲", "zh-hant", None),
    ("officer", f"officer@{DEMO_DOMAIN}", "張志明", "zh-hant", None),
    ("auditor", f"auditor@{DEMO_DOMAIN}", "李淑芬", "zh-hant", None),
    ("applicant", f"alumnus@{DEMO_DOMAIN}", "陳大偉", "zh-hant", "alumnus"),
    ("applicant", f"student@{DEMO_DOMAIN}", "林郁婷", "zh-hant", "student"),
    ("applicant", f"intl@{DEMO_DOMAIN}", "NGUYEN, VAN AN", "en", "intl"),
]
DEMO_EMAILS = [a[1] for a in DEMO_ACCOUNTS]
APPLICANT_EMAILS = [a[1] for a in DEMO_ACCOUNTS if a[4]]


def enrol_demo_staff() -> int:
    """Set up the demo staff's one-time codes, confirmed, so that they sign in with the code
    `sealpost totp EMAIL` prints and need no e-mailed set-up link (also for a demo school made
    before set-up links existed). Returns how many were set up."""
    from sealpost.accounts.models import Role, User
    from sealpost.accounts.services import enrol_totp

    staff = list(User.objects.filter(email__in=DEMO_EMAILS, totp_confirmed=False).exclude(role=Role.APPLICANT))
    for user in staff:
        enrol_totp(user)
    return len(staff)


def _featured(plan: Plan) -> dict:
    from sealpost.records.models import Student

    numbers = {s.featured: s.student_number for s in plan.students if s.featured}
    by_number = {s.student_number: s for s in Student.objects.filter(student_number__in=numbers.values())}
    return {key: by_number.get(number) for key, number in numbers.items()}


def write_accounts(plan: Plan) -> dict:
    """The demo accounts, each applicant linked to its featured student (added where missing)."""
    from sealpost.accounts.models import User

    featured = _featured(plan)
    users = {u.email: u for u in User.objects.filter(email__in=DEMO_EMAILS)}
    # One hash for all demo accounts: hashing is deliberately slow and these share a password.
    password = make_password(DEMO_PASSWORD)
    added = 0
    for role, email, full_name, language, key in DEMO_ACCOUNTS:
        student = featured.get(key) if key else None
        if student is not None and User.objects.filter(student=student).exclude(email=email).exists():
            student = None  # someone else already proved this record theirs
        user = users.get(email)
        if user is None:
            User.objects.create(
                email=email, password=password, role=role, full_name=full_name, language=language,
                email_verified=True, student=student,
            )  # fmt: skip
            added += 1
        elif student is not None and user.student_id is None:
            user.student = student
            user.save(update_fields=["student"])
    return {"accounts": added}


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(role, e-mail, password, student number or "") for every demo account."""
    from sealpost.accounts.models import User

    linked = User.objects.filter(email__in=DEMO_EMAILS, student__isnull=False)
    numbers = dict(linked.values_list("email", "student__student_number"))
    return [(role, email, DEMO_PASSWORD, numbers.get(email, "")) for role, email, _n, _l, _k in DEMO_ACCOUNTS]
