"""The file-level half of every CSV import: read an upload into clean rows.

What people upload is whatever their HR or BI system exports, usually through
Excel: UTF-8 with or without a byte-order mark, CRLF line ends, quoted fields
(with commas or line breaks inside), and in many European locales a semicolon
instead of a comma. This module accepts all of that, and turns everything it
cannot accept into one clear message about the *file* (a ``CsvFileError``,
which is a Django ``ValidationError`` on the field ``file`` → HTTP 400).

What each row means (valid email? known metric?) is the caller's business:
``read_csv`` hands back ``CsvRow`` objects keyed by canonical column names,
and callers report problems as ``RowError`` (row number, column, message).
When a real (not dry) run finds row errors it raises ``RowErrorsFound`` (400,
every error listed) and writes nothing.

Row numbers are the ones a person sees in a spreadsheet: the header is row 1,
the first data row is row 2.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import IO

from django.core.exceptions import ValidationError
from rest_framework import status

from common.errors import ApplicationError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
DELIMITERS = (",", ";", "\t")

SAVE_AS_HINT = 'In Excel choose File → Save As → "CSV UTF-8 (Comma delimited) (*.csv)".'


class CsvFileError(ValidationError):
    """The upload as a whole cannot be read (size, encoding, header, ...)."""

    def __init__(self, message: str, *, code: str):
        super().__init__({"file": [ValidationError(message, code=code)]})


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class CsvRow:
    number: int
    values: Mapping[str, str]

    def __getitem__(self, column: str) -> str:
        return self.values.get(column, "")

    def error(self, column: str | None, message: str) -> RowError:
        return RowError(row=self.number, column=column, message=message)


@dataclass
class CsvTable:
    rows: list[CsvRow]
    # canonical column name → the header text as it appeared in the file
    headers: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","


class RowErrorsFound(ApplicationError):
    """A real import met row errors: nothing was written; every error is listed."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid_rows"

    def __init__(self, errors: Sequence[RowError], *, extra: dict | None = None):
        count = len(errors)
        super().__init__(
            f"{count} row error{'s' if count != 1 else ''} found; nothing was imported. "
            "Fix the rows listed and upload the file again.",
            extra={**(extra or {}), "errors": [error.as_dict() for error in errors]},
        )
        self.errors = list(errors)


def normalize_header(text: str) -> str:
    """'Manager Email', 'manager-email', ' MANAGER_EMAIL ' → 'manager_email'."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def read_csv(
    file: IO[bytes] | bytes,
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    aliases: Mapping[str, Iterable[str]] | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> CsvTable:
    """Read an uploaded CSV into rows keyed by canonical column name.

    Header names match case-insensitively (spaces, hyphens and underscores are
    equivalent); columns not in ``required``/``optional`` are ignored; order is
    free. ``aliases`` maps a canonical name to other accepted header names.
    Fully blank lines (Excel leaves ``;;;`` lines behind) are skipped.
    """
    raw = _read_limited(file, max_bytes)
    text = _decode(raw)
    if not text.strip():
        raise CsvFileError("The file is empty.", code="empty")

    lookup = _header_lookup([*required, *optional], aliases or {})
    delimiter = _pick_delimiter(text, lookup)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise CsvFileError(
            f"This file could not be read as CSV ({exc}). {SAVE_AS_HINT}", code="not_csv"
        ) from exc

    # Row numbers count every record, so they match what a spreadsheet shows.
    numbered = [(number, cells) for number, cells in enumerate(records, start=1) if cells]
    (_, header), *body = numbered
    columns = _map_header(header, lookup, required)
    rows = []
    for index, cells in body:
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            name: cells[position].strip() if position < len(cells) else ""
            for name, position in columns.items()
        }
        rows.append(CsvRow(number=index, values=values))
        if len(rows) > max_rows:
            raise CsvFileError(
                f"The file has more than {max_rows:,} rows; split it into smaller files.",
                code="too_many_rows",
            )
    if not rows:
        raise CsvFileError("The file has a header row but no data rows.", code="no_rows")
    headers = {name: header[position].strip() for name, position in columns.items()}
    return CsvTable(rows=rows, headers=headers, delimiter=delimiter)


def read_bytes(file: IO[bytes] | bytes, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The upload's bytes (at most ``max_bytes``, else a ``CsvFileError``), e.g. to
    fingerprint a file before ``read_csv`` reads it."""
    return _read_limited(file, max_bytes)


def _read_limited(file: IO[bytes] | bytes, max_bytes: int) -> bytes:
    too_big = CsvFileError(
        f"The file is larger than {max_bytes // (1024 * 1024)} MB; split it into smaller files.",
        code="too_large",
    )
    if isinstance(file, bytes | bytearray):
        raw = bytes(file)
    else:
        if (getattr(file, "size", None) or 0) > max_bytes:
            raise too_big
        if hasattr(file, "seek"):
            file.seek(0)
        # Read one byte past the limit: enough to know, without loading a huge upload.
        raw = file.read(max_bytes + 1)
        if isinstance(raw, str):
            raw = raw.encode()
    if len(raw) > max_bytes:
        raise too_big
    return raw


def _decode(raw: bytes) -> str:
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise CsvFileError(
            f"This is an Excel workbook, not a CSV file. {SAVE_AS_HINT}", code="not_csv"
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CsvFileError(
            f"This file is saved as UTF-16 (Excel's 'Unicode Text'), not UTF-8. {SAVE_AS_HINT}",
            code="not_utf8",
        )
    if b"\x00" in raw:
        raise CsvFileError(f"This is not a text CSV file. {SAVE_AS_HINT}", code="not_csv")
    try:
        # utf-8-sig drops the byte-order mark Excel's "CSV UTF-8" export writes.
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            "This file is not UTF-8 encoded (byte "
            f"{exc.start + 1} cannot be read); accented names would be garbled. "
            f"{SAVE_AS_HINT}",
            code="not_utf8",
        ) from exc


def _header_lookup(columns: Sequence[str], aliases: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Normalized header text → canonical column name."""
    lookup = {normalize_header(name): name for name in columns}
    for name, names in aliases.items():
        for alias in names:
            lookup[normalize_header(alias)] = name
    return lookup


def _pick_delimiter(text: str, lookup: Mapping[str, str]) -> str:
    """The delimiter that makes the header line yield the most known columns.

    Excel writes ';' where the decimal separator is a comma. csv.Sniffer
    guesses from arbitrary characters and is easily fooled by data; the
    header is known, so let it decide (ties: the delimiter giving more cells).
    """
    first_line = text.lstrip("\r\n").splitlines()[0]

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader(io.StringIO(first_line), delimiter=delimiter), [])
        known = sum(1 for cell in cells if normalize_header(cell) in lookup)
        return known, len(cells)

    return max(DELIMITERS, key=score)


def _map_header(
    header: Sequence[str], lookup: Mapping[str, str], required: Sequence[str]
) -> dict[str, int]:
    """Canonical column name → position in the row; file errors for bad headers."""
    columns: dict[str, int] = {}
    for position, text in enumerate(header):
        name = lookup.get(normalize_header(text))
        if name is None:
            continue  # extra columns are allowed and ignored
        if name in columns:
            raise CsvFileError(
                f'The column "{name}" appears more than once in the header row.',
                code="duplicate_column",
            )
        columns[name] = position
    missing = [name for name in required if name not in columns]
    if missing:
        found = ", ".join(cell.strip() for cell in header if cell.strip()) or "nothing"
        raise CsvFileError(
            f"Missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"The header row has: {found}.",
            code="missing_columns",
        )
    return columns
