import csv
import io

from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    """A list of flat dicts as CSV (the header from the first row); chosen by ``?format=csv``."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not isinstance(data, list):  # an error body: keep it readable
            data = [data] if isinstance(data, dict) else []
        buffer = io.StringIO()
        if data:
            writer = csv.DictWriter(buffer, fieldnames=list(data[0]), lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(data)
        return buffer.getvalue().encode(self.charset)
