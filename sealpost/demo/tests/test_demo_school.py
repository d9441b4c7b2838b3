"""The demo school: realistic, safe with personal data, deterministic and idempotent."""

import datetime
import io
import re

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from sealpost.accounts.models import User
from sealpost.demo import school as demo
from sealpost.orders.fees import DEFAULT_DOCUMENT_FEES
from sealpost.orders.models import Channel, DocumentFee, Order
from sealpost.records import nationalid
from sealpost.records.models import Course, Grade, Hold, Programme, Semester, Student, StudentStatus

TODAY = datetime.date(2026, 11, 25)
ID_SHAPE = re.compile(r"[A-Z][1289]\d{8}")


def is_extension_b(ch: str) -> bool:
    return 0x20000 <= ord(ch) <= 0x2A6DF


def counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Student, Course, Semester, Grade, Hold, User, Order, DocumentFee)
    }


# The school is made once for the class (before per-test fixtures run), so the hasher is set
# here for both making and checking the demo password; fast, as in the rest of the tests.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class DemoSchoolTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.summary = demo.create_demo_school(students=240, seed=2026, today=TODAY)
        cls.plan = demo.plan_school(240, 2026, TODAY)

    def test_summary_and_size(self):
        self.assertTrue(self.summary["created"])
        self.assertGreaterEqual(Student.objects.count(), 200)
        self.assertEqual(self.summary["students"], Student.objects.count())
        self.assertGreaterEqual(Student.objects.values("department_zh").distinct().count(), 8)
        self.assertEqual(set(Student.objects.values_list("programme", flat=True)), set(Programme.values))
        self.assertEqual(set(Student.objects.values_list("status", flat=True)), set(StudentStatus.values))
        statuses = [s.status for s in Student.objects.all()]
        self.assertLess(statuses.count(StudentStatus.WITHDRAWN), statuses.count(StudentStatus.CURRENT))
        self.assertLess(statuses.count(StudentStatus.WITHDRAWN), statuses.count(StudentStatus.GRADUATED))

    def test_degrees_match_programme(self):
        for student in Student.objects.all():
            self.assertTrue(student.degree_zh and student.degree_en, student)
            suffix = {"bachelor": "學士", "master": "碩士", "doctoral": "博士"}[student.programme]
            self.assertTrue(student.degree_zh.endswith(suffix), student.degree_zh)
        self.assertTrue(Student.objects.filter(degree_zh="理學士", degree_en="Bachelor of Science").exists())
        self.assertTrue(Student.objects.filter(degree_zh="工學碩士", degree_en="Master of Engineering").exists())

    def test_names(self):
        students = list(Student.objects.all())
        rare = [s for s in students if any(is_extension_b(ch) for ch in s.name_zh)]
        self.assertGreaterEqual(len(rare), 3)
        self.assertTrue(any("·" in s.name_zh for s in students))
        english = re.compile(r"^[A-Z][A-Z ]*, [A-Z][A-Z -]*$")
        for s in students:
            self.assertRegex(s.name_en, english)
        domestic = [s for s in students if not s.international and "·" not in s.name_zh]
        self.assertTrue(all(len(s.name_zh) == 3 for s in domestic))
        surnames = {s.name_zh[0] for s in domestic}
        self.assertTrue({"陳", "林", "黃"} <= surnames)
        self.assertIn("CHEN, TA-WEI", {s.name_en for s in students})

    def test_international_students(self):
        international = Student.objects.filter(international=True)
        self.assertGreaterEqual(international.count(), 5)
        self.assertTrue(international.filter(name_zh="").exists())
        self.assertTrue(international.filter(name_en="NGUYEN, VAN AN").exists())
        for planned in self.plan.students:
            self.assertTrue(nationalid.is_valid(planned.national_id))
            self.assertIn(planned.national_id[1], "89" if planned.international else "12")

    def test_national_ids_are_stored_only_as_keyed_hashes(self):
        raw = {p.student_number: p.national_id for p in self.plan.students}
        self.assertEqual(len(set(raw.values())), len(raw))
        all_raw = set(raw.values())
        for student in Student.objects.all():
            self.assertRegex(student.national_id_hash, r"^[0-9a-f]{64}$")
            self.assertEqual(student.national_id_hash, nationalid.keyed_hash(raw[student.student_number]))
            for f in Student._meta.concrete_fields:
                value = str(getattr(student, f.attname) or "")
                if f.name != "national_id_hash":  # lower-case hex: cannot hold an ID's capital letter
                    self.assertIsNone(ID_SHAPE.search(value.upper()), (f.name, value))
                self.assertFalse(any(i in value.upper() for i in all_raw), f.name)

    def test_grades(self):
        rows = Grade.objects.values_list("score", "passed", "credits", "semester__student__programme")
        self.assertGreater(len(rows), 200 * 4)
        failures = 0
        for score, passed, credits, programme in rows:
            self.assertIsNotNone(score)
            self.assertTrue(0 <= score <= 100)
            self.assertTrue(1 <= credits <= 3)
            mark = 60 if programme == Programme.BACHELOR else 70
            self.assertEqual(passed, score >= mark, (score, programme))
            failures += not passed
        self.assertTrue(0 < failures < len(rows) * 0.06, failures)
        scores = sorted(r[0] for r in rows)
        median = scores[len(scores) // 2]
        self.assertTrue(70 <= median <= 90, median)
        student = Student.objects.first()
        for grade in Grade.objects.filter(semester__student=student).select_related("semester__student"):
            self.assertEqual(grade.passed, grade.score >= student.pass_mark)

    def test_courses(self):
        self.assertTrue(Course.objects.filter(code__startswith="GE").count() >= 10)
        for course in Course.objects.all():
            self.assertTrue(course.title_zh and course.title_en)
        self.assertGreaterEqual(Course.objects.values("code").count(), 8 * 10)

    def test_semesters_ranks_and_dates(self):
        for student in Student.objects.prefetch_related("semesters"):
            semesters = list(student.semesters.all())
            self.assertTrue(semesters, student)
            admitted_ay = student.admitted_on.year - 1911
            self.assertEqual((student.admitted_on.month, student.admitted_on.day), (8, 1))
            first = semesters[0]
            self.assertEqual((first.academic_year, first.term), (admitted_ay, 1))
            for semester in semesters:
                end = demo.semester_end(semester.academic_year, semester.term)
                self.assertLess(end, TODAY)
                if student.graduated_on:
                    self.assertLessEqual(semester.academic_year + 1911, student.graduated_on.year)
                if student.programme == Programme.BACHELOR:
                    self.assertIsNotNone(semester.rank)
                    self.assertTrue(1 <= semester.rank <= semester.class_size)
                else:
                    self.assertIsNone(semester.rank)
            if student.status == StudentStatus.GRADUATED:
                self.assertIsNotNone(student.graduated_on)
                self.assertGreater(student.graduated_on, student.admitted_on)
                self.assertLess(student.graduated_on, TODAY)
                if student.programme == Programme.BACHELOR:
                    self.assertEqual(len(semesters), 8)
            elif student.status == StudentStatus.WITHDRAWN:
                self.assertIsNotNone(student.left_on)
                self.assertIsNone(student.graduated_on)
                self.assertLess(student.left_on, TODAY)
            else:
                self.assertIsNone(student.graduated_on)
                self.assertIsNone(student.left_on)
                last = semesters[-1]
                # Enrolled up to the last finished semester (114-2 on 25 November 2026).
                self.assertEqual((last.academic_year, last.term), (114, 2))
                if student.programme == Programme.BACHELOR:
                    self.assertTrue(4 <= len(semesters) <= 8, len(semesters))

    def test_ranks_follow_averages_within_a_class(self):
        groups = {}
        for semester in Semester.objects.filter(rank__isnull=False).select_related("student"):
            grades = list(semester.grades.all())
            total = sum(g.credits for g in grades)
            average = sum(g.score * g.credits for g in grades) / total
            key = (semester.student.department_zh, semester.student.admitted_on, semester.academic_year, semester.term)
            groups.setdefault(key, []).append((average, semester.rank))
        self.assertTrue(any(len(members) > 1 for members in groups.values()))
        for members in groups.values():
            ranks = [rank for _average, rank in sorted(members, key=lambda m: (-m[0], m[1]))]
            self.assertEqual(ranks, sorted(set(ranks)))

    def test_holds(self):
        active = Hold.objects.filter(released_at__isnull=True)
        total = Student.objects.count()
        self.assertTrue(0.02 * total <= active.count() <= 0.1 * total, active.count())
        reasons = set(active.values_list("reason", flat=True))
        self.assertTrue(any("學雜費未繳" in r for r in reasons) or any("圖書" in r for r in reasons))
        for hold in Hold.objects.all():
            self.assertTrue(hold.office and hold.reason and hold.reference)
            if hold.released_at:
                self.assertLess(hold.released_at.date(), TODAY)

    def test_accounts_authenticate(self):
        roles = dict(User.objects.filter(email__in=demo.DEMO_EMAILS).values_list("email", "role"))
        self.assertEqual(roles[f"clerk@{demo.DEMO_DOMAIN}"], "clerk")
        self.assertEqual(roles[f"officer@{demo.DEMO_DOMAIN}"], "officer")
        self.assertEqual(roles[f"auditor@{demo.DEMO_DOMAIN}"], "auditor")
        for email in demo.APPLICANT_EMAILS:
            self.assertEqual(roles[email], "applicant")
        for email in demo.DEMO_EMAILS:
            user = authenticate(email=email, password=demo.DEMO_PASSWORD)
            self.assertIsNotNone(user, email)
            self.assertTrue(user.email_verified)
            self.assertIsNone(authenticate(email=email, password="wrong-password"))

    def test_staff_sign_in_with_the_password_and_the_code_the_totp_command_prints(self):
        """The sign-ins `./dev start` prints: no set-up link to open first (finding 6a), for a
        school made now and for one made before set-up links existed."""
        User.objects.filter(email=f"auditor@{demo.DEMO_DOMAIN}").update(totp_secret="", totp_confirmed=False)
        demo.create_demo_school(students=240, seed=2026, today=TODAY)
        for role, email, password, _number in demo.demo_logins():
            if role == "applicant":
                continue
            client = self.client_class()
            response = client.post("/accounts/login/", {"email": email, "password": password})
            self.assertEqual(response.get("Location"), "/accounts/login/code/", email)
            out = io.StringIO()
            call_command("totp", email, stdout=out)
            self.assertNotIn("secret", out.getvalue())  # set up already: the command only prints the code
            response = client.post("/accounts/login/code/", {"code": out.getvalue().split()[-1]})
            self.assertEqual(response.get("Location"), "/desk/", email)

    def test_applicants_are_linked_to_the_right_students(self):
        alumnus = User.objects.get(email=f"alumnus@{demo.DEMO_DOMAIN}").student
        current = User.objects.get(email=f"student@{demo.DEMO_DOMAIN}").student
        intl = User.objects.get(email=f"intl@{demo.DEMO_DOMAIN}").student
        self.assertEqual(alumnus.status, StudentStatus.GRADUATED)
        self.assertFalse(alumnus.international)
        self.assertEqual(current.status, StudentStatus.CURRENT)
        self.assertFalse(current.international)
        self.assertEqual(intl.status, StudentStatus.CURRENT)
        self.assertTrue(intl.international)
        for student in (alumnus, current, intl):
            self.assertFalse(student.active_holds().exists())
            self.assertTrue(Grade.objects.filter(semester__student=student).exists())

    def test_demo_logins(self):
        logins = demo.demo_logins()
        self.assertEqual([email for _r, email, _p, _n in logins], demo.DEMO_EMAILS)
        for role, email, password, number in logins:
            self.assertEqual(password, demo.DEMO_PASSWORD)
            if role == "applicant":
                self.assertEqual(number, User.objects.get(email=email).student.student_number)
            else:
                self.assertEqual(number, "")

    def test_orders_and_fees(self):
        self.assertEqual(dict(DocumentFee.objects.values_list("document_type", "amount")), DEFAULT_DOCUMENT_FEES)
        orders = Order.objects.all()
        self.assertGreaterEqual(orders.count(), 4)
        from sealpost.demo.orders import DEMO_WES_REFERENCE

        wes = orders.get(wes_reference=DEMO_WES_REFERENCE)
        self.assertEqual(wes.applicant.email, f"alumnus@{demo.DEMO_DOMAIN}")
        self.assertTrue(wes.recipients.filter(message__contains=f"WES Reference No. {DEMO_WES_REFERENCE}").exists())
        for email in demo.APPLICANT_EMAILS:
            self.assertTrue(orders.filter(applicant__email=email).exists(), email)
        for order in orders.filter(applicant__isnull=False):
            self.assertEqual(order.student_id, order.applicant.student_id)
            self.assertGreater(order.total, 0)
        keyed_in = orders.get(channel=Channel.FORM_2073)
        self.assertTrue(keyed_in.student.active_holds().exists())

    def test_running_again_creates_nothing(self):
        before = counts()
        with CaptureQueriesContext(connection) as queries:
            summary = demo.create_demo_school(students=240, seed=2026, today=TODAY)
        self.assertFalse(summary["created"])
        self.assertLessEqual(len(queries), 15)
        self.assertEqual(counts(), before)
        # A different seed or size does not add a second school either.
        demo.create_demo_school(students=300, seed=7, today=TODAY)
        self.assertEqual(counts(), before)

    def test_missing_pieces_are_added_back_without_duplicates(self):
        before = counts()
        User.objects.filter(email=f"officer@{demo.DEMO_DOMAIN}").delete()
        DocumentFee.objects.all().delete()
        summary = demo.create_demo_school(students=240, seed=2026, today=TODAY)
        self.assertTrue(summary["created"])
        self.assertEqual(summary["added"]["students"], 0)
        self.assertEqual(summary["added"]["orders"], 0)
        self.assertEqual(counts(), before)
        self.assertIsNotNone(authenticate(email=f"officer@{demo.DEMO_DOMAIN}", password=demo.DEMO_PASSWORD))

    def test_command_prints_summary_and_logins(self):
        out = io.StringIO()
        call_command("demo_data", stdout=out)
        text = out.getvalue()
        self.assertIn("students: 240", text)
        for email in demo.DEMO_EMAILS:
            self.assertIn(email, text)
        self.assertIn(demo.DEMO_PASSWORD, text)


def test_plan_is_deterministic_for_a_seed():
    def fingerprint(plan):
        return [
            (s.student_number, s.name_zh, s.name_en, s.national_id, s.status, s.date_of_birth,
             [(m.academic_year, m.term, m.rank, [(g.code, g.score) for g in m.grades]) for m in s.semesters])
            for s in plan.students
        ]  # fmt: skip

    first = fingerprint(demo.plan_school(240, 2026, TODAY))
    self_check = fingerprint(demo.plan_school(240, 2026, TODAY))
    assert first == self_check
    assert fingerprint(demo.plan_school(240, 99, TODAY)) != first
    assert len({row[0] for row in first}) == len(first)


def test_small_schools_keep_the_featured_students():
    plan = demo.plan_school(5, 1, TODAY)
    assert len(plan.students) == 5
    assert {s.featured for s in plan.students} >= {"alumnus", "student", "intl"}


def test_academic_calendar():
    assert demo.academic_year(datetime.date(2026, 11, 25)) == 115
    assert demo.academic_year(datetime.date(2026, 7, 31)) == 114
    assert demo.academic_year(datetime.date(2026, 8, 1)) == 115
    assert demo.semester_end(114, 1) == datetime.date(2026, 1, 31)
    assert demo.semester_end(114, 2) == datetime.date(2026, 7, 31)
