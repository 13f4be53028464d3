"""Seed the default "Management–Leadership Balance" questionnaire.

For each of the nine dimensions one statement of the management side and one of
the leadership side, then two open comments. Statements are about observable
behaviour so raters who see the leader weekly can answer.
"""

from django.db import migrations

NAME = "Management–Leadership Balance"

STATEMENTS = [
    (
        "focus",
        "Keeps processes, systems and structures working so the team runs reliably.",
        "Keeps the team's attention on where we are going and why it matters.",
    ),
    (
        "approach",
        "Plans the work, organises resources and follows the plan through.",
        "Sets a clear direction and lets people find the best way to get there.",
    ),
    (
        "decision_making",
        "Makes decisions from data, policy and established procedure.",
        "Makes timely calls when the picture is incomplete and explains the reasoning.",
    ),
    (
        "goal_orientation",
        "Sets concrete targets and tracks the team's progress against them.",
        "Connects the team's targets to a larger purpose people care about.",
    ),
    (
        "risk_tolerance",
        "Anticipates problems and keeps risk under control.",
        "Encourages trying new approaches and treats setbacks as learning.",
    ),
    (
        "communication",
        "Gives clear instructions and keeps everyone informed of what is expected.",
        "Tells a compelling story about the future that rallies the team.",
    ),
    (
        "relationships",
        "Assigns roles and responsibilities clearly and fairly.",
        "Builds trust and genuine relationships with each person on the team.",
    ),
    (
        "development",
        "Makes sure people have the skills and tools to do their current job well.",
        "Coaches people to grow beyond their current role.",
    ),
    (
        "success",
        "Delivers results on time and within budget.",
        "Leads change that leaves the team stronger than before.",
    ),
]

COMMENTS = [
    "What should they keep doing?",
    "What should they start doing?",
]


def seed(apps, schema_editor):
    Questionnaire = apps.get_model("feedback", "Questionnaire")
    Question = apps.get_model("feedback", "Question")
    questionnaire, created = Questionnaire.objects.get_or_create(
        name=NAME,
        defaults={
            "description": "Rates a new leader on the management and the leadership side "
            "of nine dimensions, plus two open comments."
        },
    )
    if not created:
        return
    position = 1
    for dimension, management, leadership in STATEMENTS:
        for side, text in (("management", management), ("leadership", leadership)):
            Question.objects.create(
                questionnaire=questionnaire,
                position=position,
                kind="rating",
                text=text,
                dimension=dimension,
                side=side,
            )
            position += 1
    for text in COMMENTS:
        Question.objects.create(
            questionnaire=questionnaire, position=position, kind="comment", text=text
        )
        position += 1


def unseed(apps, schema_editor):
    apps.get_model("feedback", "Questionnaire").objects.filter(name=NAME, cycles=None).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
