"""Student records as exported by the student information system."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StudentStatus(models.TextChoices):
    CURRENT = "current", _("Current student")
    GRADUATED = "graduated", _("Graduated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Programme(models.TextChoices):
    BACHELOR = "bachelor", _("Bachelor's")
    MASTER = "master", _("Master's")
    DOCTORAL = "doctoral", _("Doctoral")


class Student(models.Model):
    student_number = models.CharField(_("student number"), max_length=20, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50, blank=True)
    name_en = models.CharField(_("English name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"))
    # HMAC-SHA256 of the normalised national ID under settings.ID_HASH_KEY; never the ID.
    national_id_hash = models.CharField(max_length=64, blank=True, db_index=True)
    international = models.BooleanField(_("international student"), default=False)
    department_zh = models.CharField(_("department (Chinese)"), max_length=100)
    department_en = models.CharField(_("department (English)"), max_length=150)
    programme = models.CharField(_("programme"), max_length=16, choices=Programme.choices)
    degree_zh = models.CharField(_("degree (Chinese)"), max_length=50, blank=True)
    degree_en = models.CharField(_("degree (English)"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=StudentStatus.choices)
    admitted_on = models.DateField(_("admission date"))
    graduated_on = models.DateField(_("graduation date"), null=True, blank=True)
    left_on = models.DateField(_("withdrawal date"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["student_number"]
        verbose_name = _("student")

    def __str__(self):
        return f"{self.student_number} {self.name_zh or self.name_en}"

    @property
    def pass_mark(self) -> int:
        return 60 if self.programme == Programme.BACHELOR else 70

    def active_holds(self):
        return self.holds.filter(released_at__isnull=True)


class Course(models.Model):
    code = models.CharField(_("course code"), max_length=20, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=150)
    title_en = models.CharField(_("title (English)"), max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.title_en}"


class Term(models.IntegerChoices):
    FIRST = 1, _("First semester")
    SECOND = 2, _("Second semester")
    SUMMER = 3, _("Summer session")


class Semester(models.Model):
    """A student's enrolment in one semester: the frame for its grades and its rank."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="semesters")
    academic_year = models.PositiveSmallIntegerField(_("academic year (ROC)"))
    term = models.PositiveSmallIntegerField(_("term"), choices=Term.choices)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    class_size = models.PositiveIntegerField(_("class size"), null=True, blank=True)

    class Meta:
        ordering = ["student", "academic_year", "term"]
        constraints = [
            models.UniqueConstraint(fields=["student", "academic_year", "term"], name="one_semester_per_term")
        ]

    def __str__(self):
        return f"{self.student.student_number} {self.academic_year}-{self.term}"


class Grade(models.Model):
    semester = models.ForeignKey(Semester, on_delete=models.CASCADE, related_name="grades")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="grades")
    credits = models.DecimalField(_("credits"), max_digits=4, decimal_places=1)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)  # 0-100
    passed = models.BooleanField(_("passed"), default=True)

    class Meta:
        ordering = ["semester", "course__code"]
        constraints = [models.UniqueConstraint(fields=["semester", "course"], name="one_grade_per_course")]


class Hold(models.Model):
    """A block on a student's record (unpaid fees, library books, disciplinary)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="holds")
    reference = models.CharField(_("reference"), max_length=50)
    reason = models.CharField(_("reason"), max_length=200)
    office = models.CharField(_("office to contact"), max_length=100, blank=True)
    placed_on = models.DateField(_("placed on"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    class Meta:
        ordering = ["student", "placed_on"]
        constraints = [models.UniqueConstraint(fields=["student", "reference"], name="one_hold_per_reference")]
