from django.core.management.base import BaseCommand, CommandError

from sealpost.demo import school


class Command(BaseCommand):
    help = (
        "Fill the database with a demo school: students, courses, grades, holds, demo accounts and a few "
        "orders. Deterministic for a seed; running it again leaves an existing demo school as it is."
    )

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=240, help="number of students (default 240)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")

    def handle(self, *args, students, seed, **options):
        if students < 1:
            raise CommandError("--students must be at least 1.")
        summary = school.create_demo_school(students=students, seed=seed, stdout=self.stdout)
        if summary["created"]:
            self.stdout.write(self.style.SUCCESS(f"Demo school created in {summary['seconds']} s."))
        for key in ("students", "international_students", "departments", "courses", "semesters", "grades",
                    "active_holds", "demo_accounts", "demo_orders"):  # fmt: skip
            self.stdout.write(f"  {key.replace('_', ' ')}: {summary[key]}")
        self.stdout.write("Demo logins (password for all: %s):" % school.DEMO_PASSWORD)
        for role, email, _password, number in school.demo_logins():
            suffix = f"  student {number}" if number else ""
            self.stdout.write(f"  {role:<10} {email}{suffix}")
