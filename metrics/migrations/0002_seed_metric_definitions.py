from decimal import Decimal

from django.db import migrations

# The six measures of leadership effectiveness the programs aim to move:
# team engagement, retention and development in addition to sales attainment.
SEED = [
    {
        "code": "team_engagement",
        "name": "Team engagement score",
        "description": "Average score of the leader's team in the quarterly engagement survey (0–100).",
        "category": "engagement",
        "unit": "score",
        "direction": "higher",
        "aggregation": "average",
        "period": "quarter",
        "min_value": Decimal("0"),
        "max_value": Decimal("100"),
    },
    {
        "code": "retention_rate",
        "name": "Retention rate",
        "description": "Share of the team at the start of the month still in the team at its end (%).",
        "category": "retention",
        "unit": "percent",
        "direction": "higher",
        "aggregation": "average",
        "period": "month",
        "min_value": Decimal("0"),
        "max_value": Decimal("100"),
    },
    {
        "code": "regretted_attrition",
        "name": "Regretted attrition",
        "description": "Number of team members the company wanted to keep who left in the month.",
        "category": "retention",
        "unit": "count",
        "direction": "lower",
        "aggregation": "sum",
        "period": "month",
        "min_value": Decimal("0"),
        "max_value": None,
    },
    {
        "code": "team_development",
        "name": "Team development",
        "description": "Share of the team with an active development plan at the end of the quarter (%).",
        "category": "development",
        "unit": "percent",
        "direction": "higher",
        "aggregation": "last",
        "period": "quarter",
        "min_value": Decimal("0"),
        "max_value": Decimal("100"),
    },
    {
        "code": "internal_promotions",
        "name": "Internal promotions",
        "description": "Team members promoted to a bigger role inside the company in the quarter.",
        "category": "development",
        "unit": "count",
        "direction": "higher",
        "aggregation": "sum",
        "period": "quarter",
        "min_value": Decimal("0"),
        "max_value": None,
    },
    {
        "code": "sales_attainment",
        "name": "Sales attainment",
        "description": "The team's closed sales as a percentage of its quota for the month.",
        "category": "sales",
        "unit": "percent",
        "direction": "higher",
        "aggregation": "average",
        "period": "month",
        "min_value": Decimal("0"),
        "max_value": Decimal("500"),
    },
]


def seed(apps, schema_editor):
    MetricDefinition = apps.get_model("metrics", "MetricDefinition")
    for fields in SEED:
        MetricDefinition.objects.update_or_create(code=fields["code"], defaults=fields)


def unseed(apps, schema_editor):
    MetricDefinition = apps.get_model("metrics", "MetricDefinition")
    MetricDefinition.objects.filter(
        code__in=[fields["code"] for fields in SEED], observations__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
