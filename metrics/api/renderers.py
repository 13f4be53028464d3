import csv
import io

from rest_framework.renderers import BaseRenderer

SUMMARY_COLUMNS = [
    "metric",
    "metric_name",
    "period",
    "leaders",
    "average",
    "median",
    "spread",
    "lowest",
    "highest",
    "leaders_with_target",
    "share_on_target",
]


def _safe_text(text: str) -> str:
    """Stop a spreadsheet from running a name that starts like a formula."""
    return f"'{text}" if str(text)[:1] in ("=", "+", "-", "@") else text


class CohortSummaryCsvRenderer(BaseRenderer):
    """The cohort summary as one CSV row per metric and period (``?format=csv``)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        out = io.StringIO()
        writer = csv.writer(out)
        if not isinstance(data, dict) or "metrics" not in data:
            # An error body (403, 404): say it plainly rather than as CSV.
            writer.writerow(["detail"])
            writer.writerow([data.get("detail", "") if isinstance(data, dict) else data])
            return out.getvalue().encode()
        writer.writerow(SUMMARY_COLUMNS)
        for block in data["metrics"]:
            for row in block["periods"]:
                writer.writerow(
                    [block["metric"]["code"], _safe_text(block["metric"]["name"])]
                    + [row[column] for column in SUMMARY_COLUMNS[2:]]
                )
        # A byte-order mark so Excel opens accented names correctly.
        return ("\ufeff" + out.getvalue()).encode()
