"""What an import did: counts per kind of row, and every rejected row with where it is and why.

Messages name the file, the sheet, the row and the column, never a value from the row: a
report may be printed, mailed or shown on screen, and the rows hold personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

KINDS = ("students", "grades", "holds")
OUTCOMES = ("created", "updated", "unchanged", "rejected")


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected


@dataclass(frozen=True)
class Place:
    """Where a row is, as a person finds it: in a spreadsheet the header is row 1; in JSON
    the first object of a list is item 1."""

    source: str
    sheet: str = ""
    row: int | None = None
    unit: str = "row"  # "row" (CSV, XLSX) or "item" (JSON)

    def at(self, row: int) -> Place:
        return Place(self.source, self.sheet, row, self.unit)

    @property
    def row_label(self) -> str:
        return (_("row %(n)s") if self.unit == "row" else _("item %(n)s")) % {"n": self.row}

    def __str__(self) -> str:
        parts = [self.source]
        if self.sheet:
            parts.append(_("sheet %(name)s") % {"name": self.sheet} if self.unit == "row" else self.sheet)
        if self.row is not None:
            parts.append(self.row_label)
        return ": ".join(parts)


@dataclass(frozen=True)
class Note:
    place: Place
    column: str
    message: str

    def __str__(self) -> str:
        return ": ".join(str(part) for part in (self.place, self.column, self.message) if part)


@dataclass
class ImportReport:
    dry_run: bool = False
    counts: dict[str, Counts] = field(default_factory=dict)
    courses: Counts = field(default_factory=Counts)  # created and updated through grade rows
    rejections: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was rejected: every row, every file, every sheet was read."""
        return not self.rejections

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        counts = self.counts.setdefault(kind, Counts())
        setattr(counts, outcome, getattr(counts, outcome) + n)

    def reject(self, kind: str | None, place: Place, problems: list[tuple[str, str]], rows: int = 1) -> None:
        """Reject `rows` rows (a whole sheet when its header is wrong) for the given problems."""
        if kind and rows:
            self.count(kind, "rejected", rows)
        self.rejections.extend(Note(place, column, message) for column, message in problems)

    def warn(self, place: Place, column: str, message: str) -> None:
        self.warnings.append(Note(place, column, message))

    def summary(self) -> list[str]:
        lines = []
        for kind in KINDS:
            if kind in self.counts:
                c = self.counts[kind]
                lines.append(
                    _(
                        "%(kind)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, "
                        "%(rejected)s rejected"
                    )
                    % {"kind": kind, **vars(c)}
                )
        if self.courses.created or self.courses.updated:
            lines.append(_("courses: %(created)s created, %(updated)s updated") % vars(self.courses))
        if self.dry_run:
            lines.append(_("Dry run: nothing was written."))
        return lines
