from django.db import migrations

COMPETENCIES = [
    ("talent-management", "Talent management", "Hiring, onboarding and growing the right people."),
    ("team-optimization", "Team optimization", "Structuring territories, roles and workload so the team performs."),
    ("problem-solving", "Problem-solving", "Diagnosing pipeline and performance problems and deciding well."),
    ("communication", "Communication", "Setting direction, giving feedback and running effective meetings."),
    ("relationships", "Relationships", "Building trust with the team, peers, customers and leadership."),
]


def seed(apps, schema_editor):
    Competency = apps.get_model("programs", "Competency")
    for slug, name, description in COMPETENCIES:
        Competency.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})


def unseed(apps, schema_editor):
    apps.get_model("programs", "Competency").objects.filter(
        slug__in=[slug for slug, _, _ in COMPETENCIES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
