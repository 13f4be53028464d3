from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery


def copy_period_from_metric(apps, schema_editor):
    Observation = apps.get_model("metrics", "Observation")
    MetricDefinition = apps.get_model("metrics", "MetricDefinition")
    Observation.objects.update(
        period=Subquery(MetricDefinition.objects.filter(pk=OuterRef("metric")).values("period")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [("metrics", "0002_seed_metric_definitions")]

    operations = [
        migrations.AddField(
            model_name="observation",
            name="period",
            field=models.CharField(
                choices=[("month", "Month"), ("quarter", "Quarter")],
                default="month",
                editable=False,
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_period_from_metric, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="observation",
            constraint=models.CheckConstraint(
                condition=Q(period="month")
                | Q(period="quarter", period_start__month__in=(1, 4, 7, 10)),
                name="metrics_observation_quarter_aligned",
            ),
        ),
    ]
