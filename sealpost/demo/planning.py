"""Planning the demo school in plain Python, from a seeded ``random.Random``: the same school for
the same seed and date (``plan_school``). Students with their names (demo.names), department
and programme (demo.courses), academic path, grades, ranks, student numbers and holds; nothing
is written here (demo.school writes the plan)."""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field

from django.utils import timezone

from sealpost.demo.courses import (
    COURSES, DEGREES, DEPARTMENTS, DEPARTMENTS_BY_CODE, GE_ELECTIVES, GE_PLAN, PROGRAMME_DIGIT, Department,
)
from sealpost.demo.names import (
    GIVEN_FIRST, GIVEN_SECOND, ID_LETTER_WEIGHTS, ID_LETTERS, INDIGENOUS_NAMES, INTERNATIONAL_NAMES, RARE_NAMES,
    ROMANIZATION_WEIGHTS, ROMANIZATIONS, SURNAMES, SYLLABLES,
)
from sealpost.records import nationalid

HOLD_KINDS = [
    # (reference prefix, reason, office to contact, weight)
    ("FEE", "學雜費未繳 Tuition and fees unpaid", "總務處出納組 Cashier Section, Office of General Affairs", 5),
    ("LIB", "圖書逾期未還 Library books overdue", "圖書館典藏流通組 Library Circulation Desk", 4),
    ("DORM", "宿舍費未繳 Dormitory fees unpaid",
     "學務處住宿服務組 Housing Service Section, Office of Student Affairs", 1),
]  # fmt: skip

# ---------------------------------------------------------------------------------------------
# The academic calendar
# ---------------------------------------------------------------------------------------------


def academic_year(day: datetime.date) -> int:
    """The ROC academic year a day falls in (it starts on 1 August)."""
    return day.year - 1911 - (0 if day.month >= 8 else 1)


def semester_end(ay: int, term: int) -> datetime.date:
    year = ay + 1912
    return datetime.date(year, 1, 31) if term == 1 else datetime.date(year, 7, 31)


def semesters_from(ay: int, count: int) -> list[tuple[int, int]]:
    return [(ay + i // 2, 1 + i % 2) for i in range(count)]


# ---------------------------------------------------------------------------------------------
# Planning (pure Python, deterministic for a seed and a date)
# ---------------------------------------------------------------------------------------------


@dataclass
class PlannedGrade:
    code: str
    credits: int
    score: int
    passed: bool


@dataclass
class PlannedSemester:
    academic_year: int
    term: int
    grades: list[PlannedGrade] = field(default_factory=list)
    rank: int | None = None
    class_size: int | None = None

    @property
    def average(self) -> float:
        total = sum(g.credits for g in self.grades)
        return sum(g.score * g.credits for g in self.grades) / total if total else 0.0


@dataclass
class PlannedStudent:
    name_zh: str
    name_en: str
    gender: str
    international: bool
    department: Department
    programme: str
    status: str
    admitted_ay: int
    date_of_birth: datetime.date
    national_id: str
    ability: float
    semesters: list[PlannedSemester] = field(default_factory=list)
    graduated_on: datetime.date | None = None
    left_on: datetime.date | None = None
    featured: str = ""
    student_number: str = ""
    holds: list[tuple[str, str, str, datetime.date, bool]] = field(default_factory=list)

    @property
    def pass_mark(self) -> int:
        return 60 if self.programme == "bachelor" else 70

    @property
    def degree(self) -> tuple[str, str]:
        index = {"bachelor": 0, "master": 1, "doctoral": 2}[self.programme]
        return DEGREES[self.department.family][index]


@dataclass
class Plan:
    today: datetime.date
    students: list[PlannedStudent]


class _Planner:
    def __init__(self, seed: int, today: datetime.date):
        self.rng = random.Random(seed)
        self.today = today
        self.current_ay = academic_year(today)
        self.used_ids: set[str] = set()
        self.used_names: set[str] = set()
        rng = random.Random(seed + 1)
        self.difficulty = {code: rng.gauss(0, 3) for code in sorted(COURSES)}

    # -- people ----------------------------------------------------------------------------

    def domestic_name(self) -> tuple[str, str, str]:
        rng = self.rng
        surnames, weights = zip(*[((zh, en), w) for zh, en, w in SURNAMES])
        for _attempt in range(20):
            gender = rng.choice("MF")
            surname_zh, surname_en = rng.choices(surnames, weights)[0]
            first = rng.choice(GIVEN_FIRST[gender])
            second = rng.choice(GIVEN_SECOND[gender])
            if first == second:
                continue
            name_zh = surname_zh + first + second
            if name_zh not in self.used_names:
                break
        system = ROMANIZATIONS.index(rng.choices(ROMANIZATIONS, ROMANIZATION_WEIGHTS)[0])
        given = f"{SYLLABLES[first][system]}-{SYLLABLES[second][system]}"
        return name_zh, f"{surname_en}, {given}", gender

    def national_id(self, gender: str, international: bool, letters: str | None = None) -> str:
        rng = self.rng
        while True:
            letter = rng.choice(letters) if letters else rng.choices(ID_LETTERS, ID_LETTER_WEIGHTS)[0]
            sex = ("8" if gender == "M" else "9") if international else ("1" if gender == "M" else "2")
            value = nationalid.make_valid(f"{letter}{sex}{rng.randrange(10**7):07d}")
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def birth_date(self, admitted_ay: int, programme: str, international: bool) -> datetime.date:
        rng = self.rng
        age = {"bachelor": 18, "master": 22, "doctoral": 24}[programme]
        age += rng.choices([0, 1, 2, 3, 5], [70, 15, 8, 5, 2])[0]
        if programme == "doctoral":
            age += rng.randint(0, 5)
        if international:
            age += rng.randint(0, 3)
        # Born in the school year (2 September to 1 September) that makes them ``age`` on entry.
        start = datetime.date(admitted_ay + 1911 - age - 1, 9, 2)
        return start + datetime.timedelta(days=rng.randrange(365))

    # -- academic path -----------------------------------------------------------------------

    def path(self, programme: str, status: str) -> tuple[int, list[tuple[int, int]]]:
        """Admission year and the completed semesters the student was enrolled in."""
        rng, cur = self.rng, self.current_ay
        count = None
        if programme == "bachelor":
            if status == "graduated":
                admitted, count = cur - rng.randint(4, 11), 8
            elif status == "current":
                admitted = cur - rng.choices([2, 3, 4], [40, 45, 15])[0]
            else:
                admitted, count = cur - rng.randint(1, 8), rng.randint(1, 5)
        elif programme == "master":
            if status == "graduated":
                admitted, count = cur - rng.randint(2, 10), rng.choices([3, 4, 5, 6], [10, 65, 18, 7])[0]
            elif status == "current":
                admitted = cur - rng.choice([1, 1, 2])
            else:
                admitted, count = cur - rng.randint(1, 6), rng.randint(1, 2)
        else:
            if status == "graduated":
                admitted, count = cur - rng.randint(6, 12), rng.randint(8, 12)
            elif status == "current":
                admitted = cur - rng.randint(1, 5)
            else:
                admitted, count = cur - rng.randint(2, 8), rng.randint(2, 5)
        completed = [s for s in semesters_from(admitted, 30) if semester_end(*s) < self.today]
        return admitted, completed[:count] if count else completed

    def student(self, name_zh, name_en, gender, *, international=False, department=None, programme=None,
                status=None, admitted_offset=None, id_letters=None, ability=None, featured="") -> PlannedStudent:
        rng = self.rng
        self.used_names.add(name_zh)
        if department is None:
            department = rng.choices(DEPARTMENTS, [d.weight for d in DEPARTMENTS])[0]
        if programme is None:
            weights = (45, 45, 10) if international else (64, 28, 8)
            programme = rng.choices(["bachelor", "master", "doctoral"], weights)[0]
        if status is None:
            status = rng.choices(["graduated", "current", "withdrawn"], (50, 46, 4))[0]
        if admitted_offset is not None:
            admitted = self.current_ay - admitted_offset
            completed = [s for s in semesters_from(admitted, 30) if semester_end(*s) < self.today]
            if status == "graduated":
                completed = completed[: 8 if programme == "bachelor" else 4]
        else:
            admitted, completed = self.path(programme, status)
        if ability is None:
            ability = rng.gauss(86, 4) if programme != "bachelor" else rng.gauss(80, 6)
            if status == "withdrawn":
                ability -= 8
        planned = PlannedStudent(
            name_zh=name_zh, name_en=name_en, gender=gender, international=international,
            department=department, programme=programme, status=status, admitted_ay=admitted,
            date_of_birth=self.birth_date(admitted, programme, international),
            national_id=self.national_id(gender, international, id_letters), ability=ability,
            featured=featured,
        )  # fmt: skip
        self.courses(planned, completed)
        if status == "graduated":
            ay, term = completed[-1]
            planned.graduated_on = datetime.date(ay + 1912, 6, 30) if term == 2 else datetime.date(ay + 1912, 1, 31)
        elif status == "withdrawn":
            left = semester_end(*completed[-1]) + datetime.timedelta(days=rng.randint(10, 90))
            planned.left_on = min(left, self.today - datetime.timedelta(days=1))
        return planned

    # -- courses and grades ------------------------------------------------------------------

    def courses(self, student: PlannedStudent, completed: list[tuple[int, int]]) -> None:
        rng, dept = self.rng, student.department
        taken: set[str] = set()
        ge_pool = rng.sample(GE_ELECTIVES, len(GE_ELECTIVES))
        electives = list(dept.electives)
        rng.shuffle(electives)
        others = [c for d in DEPARTMENTS if d is not dept for c in d.electives]
        rng.shuffle(others)
        electives += others
        graduate = list(dept.graduate[:-1])
        rng.shuffle(graduate)
        graduate += rng.sample(dept.electives, len(dept.electives))
        other_graduate = [c for d in DEPARTMENTS if d is not dept and d.family == dept.family for c in d.graduate[:-1]]
        graduate += rng.sample(other_graduate, len(other_graduate))
        seminar = dept.graduate[-1]

        def take(pool: list[str]) -> str | None:
            while pool:
                code = pool.pop(0)
                if code not in taken:
                    return code
            return None

        for index, (ay, term) in enumerate(completed, 1):
            codes: list[str] = []
            if student.programme == "bachelor":
                codes += [c for c, s in dept.plan if s == index]
                codes += GE_PLAN.get(index, [])
                if index >= 3:
                    codes.append(take(ge_pool))
                # About 128 credits over four years: 18 a semester early on, fewer later.
                target = 18 if index <= 4 else (16 if index <= 7 else 12)
                while sum(COURSES[c][2] for c in codes if c) < target and electives:
                    codes.append(take(electives))
            else:
                if student.programme == "master":
                    n = {1: 3, 2: 3, 3: rng.choice([1, 2])}.get(index, 0)
                else:
                    n = {1: 3, 2: 3, 3: 2, 4: rng.choice([1, 2])}.get(index, 0)
                codes += [take(graduate) for _ in range(n)]
                codes.append(seminar)
            semester = PlannedSemester(ay, term)
            for code in codes:
                if code is None or (code in taken and code != seminar):
                    continue
                taken.add(code)
                semester.grades.append(self.grade(student, code))
            student.semesters.append(semester)

    def grade(self, student: PlannedStudent, code: str) -> PlannedGrade:
        noise = 8 if student.programme == "bachelor" else 5
        raw = student.ability + self.difficulty[code] + self.rng.gauss(0, noise)
        if self.rng.random() < 0.006:  # stopped attending: the score of an absent student
            raw = self.rng.uniform(0, 45)
        score = max(0, min(100, int(round(raw))))
        return PlannedGrade(code, COURSES[code][2], score, score >= student.pass_mark)

    # -- ranks, numbers and holds --------------------------------------------------------------

    def rank(self, students: list[PlannedStudent]) -> None:
        """Rank bachelor's students within their class (department and year of entry) each
        semester. The demo holds only a sample of each class, so the class size is that of
        a real class and a student's rank follows from where their average would fall in it."""
        groups: dict[tuple, list[tuple[PlannedStudent, PlannedSemester, int]]] = {}
        for student in students:
            if student.programme != "bachelor":
                continue
            for index, semester in enumerate(student.semesters):
                key = (student.department.code, student.admitted_ay, semester.academic_year, semester.term)
                groups.setdefault(key, []).append((student, semester, index))
        sizes: dict[tuple, int] = {}
        for key in sorted(groups):
            members = groups[key]
            cohort = key[:2]
            if cohort not in sizes:
                sizes[cohort] = self.rng.randint(42, 62)
            size = max(len(members), sizes[cohort] - members[0][2] // 3)
            members.sort(key=lambda m: (-m[1].average, m[0].national_id))
            ranks = []
            for _student, semester, _index in members:
                share = 0.5 * math.erfc((semester.average - 80) / (6.5 * math.sqrt(2)))  # above this average
                estimate = 1 + int(share * (size - 1) + 0.5)
                ranks.append(max(estimate, ranks[-1] + 1) if ranks else estimate)
            for i in range(len(ranks) - 1, -1, -1):
                ranks[i] = min(ranks[i], size - (len(ranks) - 1 - i))
            for (_student, semester, _index), rank in zip(members, ranks):
                semester.rank, semester.class_size = rank, size

    def number(self, students: list[PlannedStudent]) -> None:
        """Student numbers: ROC year of entry, programme, department, then a sequence."""
        counters: dict[tuple, int] = {}
        for student in students:
            key = (student.admitted_ay, student.programme, student.department.number)
            counters[key] = counters.get(key, 0) + 1
            student.student_number = (
                f"{student.admitted_ay:03d}{PROGRAMME_DIGIT[student.programme]}"
                f"{student.department.number:02d}{counters[key]:03d}"
            )

    def holds(self, students: list[PlannedStudent]) -> None:
        rng = self.rng
        candidates = [s for s in students if not s.featured]
        count = max(1, round(len(students) * 0.05))
        kinds, weights = HOLD_KINDS, [k[3] for k in HOLD_KINDS]
        serial = 0
        chosen = rng.sample(candidates, min(len(candidates), count + 3))
        for i, student in enumerate(chosen):
            serial += 1
            prefix, reason, office, _w = rng.choices(kinds, weights)[0]
            if student.status == "graduated" and prefix != "LIB":
                prefix, reason, office, _w = kinds[1]
            released = i >= count  # the last few were settled: history, not blocks
            last = student.semesters[-1] if student.semesters else None
            end = student.graduated_on or student.left_on or self.today
            if released:  # settled two weeks after it was placed, well before today
                placed = min(end, self.today - datetime.timedelta(days=120)) - datetime.timedelta(
                    days=rng.randint(5, 200)
                )
            elif student.status != "current":
                placed = end - datetime.timedelta(days=rng.randint(5, 60))
            else:
                placed = self.today - datetime.timedelta(days=rng.randint(7, 100))
            year = last.academic_year if last else self.current_ay
            reference = f"{prefix}-{year}-{serial:04d}"
            student.holds.append((reference, reason, office, placed, released))


def plan_school(students: int = 240, seed: int = 2026, today: datetime.date | None = None) -> Plan:
    """The demo school as plain data: the same for the same arguments."""
    today = today or timezone.localdate()
    planner = _Planner(seed, today)
    people: list[PlannedStudent] = [
        planner.student("陳大偉", "CHEN, TA-WEI", "M", department=DEPARTMENTS_BY_CODE["CE"], programme="bachelor",
                        status="graduated", admitted_offset=7, ability=85, featured="alumnus"),
        planner.student("林郁婷", "LIN, YU-TING", "F", department=DEPARTMENTS_BY_CODE["IM"], programme="bachelor",
                        status="current", admitted_offset=3, ability=83, featured="student"),
        planner.student("阮文安", "NGUYEN, VAN AN", "M", international=True, department=DEPARTMENTS_BY_CODE["EE"],
                        programme="master", status="current", admitted_offset=1, ability=87, featured="intl"),
    ]  # fmt: skip
    specials = [(zh, en, g, {}) for zh, en, g in RARE_NAMES]
    specials += [(zh, en, g, {"id_letters": "UVT"}) for zh, en, g in INDIGENOUS_NAMES]
    international = max(3, round(students * 0.07))
    specials += [(zh, en, g, {"international": True}) for zh, en, g in INTERNATIONAL_NAMES[1:international]]
    for zh, en, g, extra in specials[: max(0, students - len(people))]:
        people.append(planner.student(zh, en, g, **extra))
    while len(people) < students:
        people.append(planner.student(*planner.domestic_name()))
    planner.rank(people)
    planner.number(people)
    planner.holds(people)
    return Plan(today=today, students=people)
