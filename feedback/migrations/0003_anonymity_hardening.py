"""Anonymity hardening (docs/privacy.md, attacks 3 and 5).

* The anonymity threshold is never below 3: existing cycles at 2 are raised to 3.
* Responses and answers get random UUID primary keys instead of sequential ids, so no
  id orders them by arrival. The tables are rebuilt: new tables, rows copied with fresh
  random ids (in no particular order), old tables dropped, new ones renamed.
"""

import uuid

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GROUPS = [
    ("self", "Self"),
    ("manager", "Manager"),
    ("mentor", "Mentor"),
    ("peer", "Peer"),
    ("direct_report", "Direct report"),
]


def raise_thresholds(apps, schema_editor):
    apps.get_model("feedback", "Cycle").objects.filter(anonymity_threshold__lt=3).update(
        anonymity_threshold=3
    )


def copy_with_random_ids(apps, schema_editor):
    Response = apps.get_model("feedback", "Response")
    Answer = apps.get_model("feedback", "Answer")
    NewResponse = apps.get_model("feedback", "NewResponse")
    NewAnswer = apps.get_model("feedback", "NewAnswer")
    new_ids = {}
    for response in Response.objects.order_by("?").iterator():
        new_ids[response.pk] = uuid.uuid4()
        NewResponse.objects.create(
            id=new_ids[response.pk],
            cycle_id=response.cycle_id,
            subject_id=response.subject_id,
            group=response.group,
        )
    NewAnswer.objects.bulk_create(
        NewAnswer(
            id=uuid.uuid4(),
            response_id=new_ids[answer.response_id],
            question_id=answer.question_id,
            rating=answer.rating,
            cant_say=answer.cant_say,
            text=answer.text,
        )
        for answer in Answer.objects.order_by("?").iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_default_questionnaire"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(raise_thresholds, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="cycle", name="feedback_cycle_threshold_min_2"),
        migrations.AlterField(
            model_name="cycle",
            name="anonymity_threshold",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="Fewest raters of a group shown together (at least 3).",
                validators=[django.core.validators.MinValueValidator(3)],
            ),
        ),
        migrations.AddConstraint(
            model_name="cycle",
            constraint=models.CheckConstraint(
                condition=models.Q(("anonymity_threshold__gte", 3)),
                name="feedback_cycle_threshold_min_3",
            ),
        ),
        migrations.CreateModel(
            name="NewResponse",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("group", models.CharField(choices=GROUPS, max_length=15)),
                (
                    "cycle",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="feedback.cycle",
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="NewAnswer",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=uuid.uuid4, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("rating", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("cant_say", models.BooleanField(default=False)),
                ("text", models.TextField(blank=True)),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="feedback.question",
                    ),
                ),
                (
                    "response",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="feedback.newresponse",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_with_random_ids, migrations.RunPython.noop),
        migrations.DeleteModel(name="Answer"),
        migrations.DeleteModel(name="Response"),
        migrations.RenameModel(old_name="NewResponse", new_name="Response"),
        migrations.RenameModel(old_name="NewAnswer", new_name="Answer"),
        migrations.AlterField(
            model_name="response",
            name="cycle",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="responses",
                to="feedback.cycle",
            ),
        ),
        migrations.AlterField(
            model_name="answer",
            name="question",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="answers",
                to="feedback.question",
            ),
        ),
        migrations.AlterField(
            model_name="answer",
            name="response",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="answers",
                to="feedback.response",
            ),
        ),
        migrations.AlterModelOptions(
            name="response", options={"ordering": ["cycle", "subject", "group"]}
        ),
        migrations.AlterModelOptions(
            name="answer", options={"ordering": ["response", "question__position"]}
        ),
        migrations.AddIndex(
            model_name="response",
            index=models.Index(fields=["cycle", "subject"], name="feedback_response_cycle_subj"),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.UniqueConstraint(
                fields=("response", "question"), name="feedback_answer_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("rating__isnull", True),
                    models.Q(("rating__gte", 1), ("rating__lte", 5)),
                    _connector="OR",
                ),
                name="feedback_answer_rating_1_5",
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=models.Q(("cant_say", True), ("rating__isnull", False), _negated=True),
                name="feedback_answer_cant_say_has_no_rating",
            ),
        ),
    ]
