"""The renderers every export uses: one CSV renderer (``?format=csv``), one calendar.

Spreadsheet tools run a cell that starts with ``= + - @`` (or a tab or carriage return
before one) as a formula, so a name typed into the HR system could open a link or run
a command on the machine of whoever opens the export. Every text cell that starts like
that is prefixed with an apostrophe (OWASP's advice); plain numbers, negative ones
included, are left alone. A byte-order mark makes Excel read the file as UTF-8.
"""

import csv
import io
import re

from django.http import Http404
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
BOM = "\ufeff"


def csv_cell(value):
    """A value as a spreadsheet may safely read it."""
    if value is None:
        return ""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return f"'{value}"
    return value


class CsvRenderer(BaseRenderer):
    """A list of flat dicts as CSV, the header from the first row's keys. Views shape
    their data into rows; an error body (a dict) is written as its own small table."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        rows = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        buffer = io.StringIO()
        if rows:
            header = list(rows[0])
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow([csv_cell(name) for name in header])
            for row in rows:
                writer.writerow([csv_cell(row.get(name)) for name in header])
        return (BOM + buffer.getvalue()).encode(self.charset)


class ICalendarRenderer(BaseRenderer):
    """A calendar (``.ics`` bytes a view built with icalendar) as ``text/calendar``. An
    error negotiated to this renderer (401, 403, 404) still says what went wrong, as JSON."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's, except that ``?format=`` given empty is a 404 like any format the view does
    not render (DRF reads it as "not given")."""

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        if not format_suffix and name and request.query_params.getlist(name)[-1:] == [""]:
            raise Http404
        return super().select_renderer(request, renderers, format_suffix)
