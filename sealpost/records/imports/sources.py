"""Reading CSV, XLSX and JSON files into sheets of rows, numbered as a person counts them.

A file becomes one or more sheets: a CSV file is one sheet, an XLSX workbook one per worksheet,
a JSON file one per key (or one, for a bare list). Which kind of rows a sheet holds is decided
by the importer; here we only read.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from dataclasses import dataclass, field

import openpyxl
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from sealpost.records.imports.columns import kind_of_name, normalise, printable
from sealpost.records.imports.report import Place


class SourceError(Exception):
    """A file that cannot be read at all; the message is for the person and quotes no data."""


@dataclass
class Row:
    place: Place
    values: dict[str, object]
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Sheet:
    place: Place  # the file and sheet; rows carry their own row number
    name: str  # worksheet title or JSON key; "" for CSV and a bare JSON list
    header: list[str] | None  # normalised column names; None for JSON, whose objects name their own
    rows: list[Row]

    @property
    def columns(self) -> set[str]:
        if self.header is not None:
            return set(self.header)
        return {key for row in self.rows for key in row.values}


def label_of(source) -> str:
    """How a file is named in a report: a path as given; an upload by its file name."""
    return os.path.basename(getattr(source, "name", "") or "upload") if hasattr(source, "read") else str(source)


def read(source) -> list[Sheet]:
    """Read a path, or a binary file object such as an upload (its .name gives the format)."""
    label = label_of(source)
    reader = {".csv": read_csv, ".xlsx": read_xlsx, ".xlsm": read_xlsx, ".json": read_json}.get(
        os.path.splitext(label)[1].lower()
    )
    if reader is None:
        raise SourceError(_("not a .csv, .xlsx or .json file"))
    try:
        if hasattr(source, "read"):
            data = source.read()
        else:
            with open(source, "rb") as f:
                data = f.read()
    except OSError as error:
        raise SourceError(_("cannot be read (%(reason)s)") % {"reason": error.strerror}) from None
    return reader(data, label)


def read_csv(data: bytes, label: str) -> list[Sheet]:
    try:
        text = data.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError:
        raise SourceError(
            _("is not UTF-8 text: in Excel, save it as “CSV UTF-8 (逗號分隔) (*.csv)” (a plain “CSV” "
              "from Excel on a Taiwanese Windows is Big5)")
        ) from None
    if not text.strip():
        raise SourceError(_("is empty"))
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)  # Excel writes ";" where "," is the decimal mark
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise SourceError(_("is not a readable CSV file")) from None
    return [_table(records, Place(label), "")]


def read_xlsx(data: bytes, label: str) -> list[Sheet]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise SourceError(_("is not a readable .xlsx workbook")) from None
    try:
        sheets = [_table(ws.iter_rows(values_only=True), Place(label, ws.title), ws.title) for ws in book.worksheets]
    finally:
        book.close()
    return [sheet for sheet in sheets if sheet.header is not None]


def read_json(data: bytes, label: str) -> list[Sheet]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SourceError(_("is not UTF-8 text")) from None
    except json.JSONDecodeError as error:
        raise SourceError(
            _("is not valid JSON (line %(line)s, column %(column)s)") % {"line": error.lineno, "column": error.colno}
        ) from None
    except (ValueError, RecursionError):  # a number of over 4300 digits; arrays nested thousands deep
        raise SourceError(_("is not JSON that can be read: a number is too long or the nesting too deep")) from None
    if isinstance(document, list):
        return [_objects(document, Place(label, unit="item"), "")]
    if not isinstance(document, dict):
        raise SourceError(_("must hold an object with the keys students, grades and holds"))
    sheets = []
    for key, items in document.items():
        if kind_of_name(key) is None:
            raise SourceError(
                _("unknown key “%(key)s”: the keys are students, grades and holds") % {"key": printable(normalise(key))}
            )
        if not isinstance(items, list):
            raise SourceError(_("“%(key)s” must be a list of objects") % {"key": kind_of_name(key)})
        sheets.append(_objects(items, Place(label, kind_of_name(key), unit="item"), kind_of_name(key)))
    return sheets


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _table(records, place: Place, name: str) -> Sheet:
    """Rows of cells, the first of which names the columns. Blank rows are skipped; a sheet
    with nothing in it has no header."""
    records = iter(records)
    header_cells = next(records, None)
    if header_cells is None:
        return Sheet(place, name, None, [])
    header = [normalise(cell) for cell in header_cells]
    rows = []
    for number, cells in enumerate(records, start=2):
        if all(_blank(cell) for cell in cells):
            continue
        row = Row(place.at(number), {})
        for i, cell in enumerate(cells):
            if i < len(header) and header[i]:
                row.values[header[i]] = cell
            elif not _blank(cell):
                row.problems = [("", _("has a value in a column with no name in the header row"))]
        rows.append(row)
    if not any(header) and not rows:
        return Sheet(place, name, None, [])
    return Sheet(place, name, header, rows)


def _objects(items: list, place: Place, name: str) -> Sheet:
    rows = []
    for number, item in enumerate(items, start=1):
        row = Row(place.at(number), {})
        if not isinstance(item, dict):
            row.problems.append(("", _("must be an object whose keys are column names")))
        else:
            for key, value in item.items():
                if isinstance(value, (dict, list)):
                    row.problems.append((printable(normalise(key)), _("must be text, a number, true, false or null")))
                row.values[normalise(key)] = value
            if all(_blank(value) for value in row.values.values()) and not row.problems:
                continue
        rows.append(row)
    return Sheet(place, name, None, rows)
