from django.db import migrations

NAME = "Team engagement pulse"
STATEMENTS = [
    ("scale", "I know what is expected of me at work"),
    ("scale", "My leader helps me grow"),
    ("scale", "I get recognition for good work"),
    ("scale", "My leader keeps the team informed"),
    ("scale", "I would recommend this team to a friend"),
    ("enps", "How likely are you to recommend working in this team (0–10)?"),
]


def seed(apps, schema_editor):
    PulseTemplate = apps.get_model("pulse", "PulseTemplate")
    PulseStatement = apps.get_model("pulse", "PulseStatement")
    template, created = PulseTemplate.objects.get_or_create(name=NAME)
    if created:
        PulseStatement.objects.bulk_create(
            PulseStatement(template=template, position=position, kind=kind, text=text)
            for position, (kind, text) in enumerate(STATEMENTS, start=1)
        )


def unseed(apps, schema_editor):
    apps.get_model("pulse", "PulseTemplate").objects.filter(name=NAME, pulses__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("pulse", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
