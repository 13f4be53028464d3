from django.apps import AppConfig


class PersonalDataConfig(AppConfig):
    """A person's data: export, erasure (and the registry of what refers to a person).

    It reads and writes through every domain app, so it sits on top of them, beside
    ``dashboards`` and ``demo``; no domain app imports it."""

    name = "personal_data"
    verbose_name = "Personal data"
