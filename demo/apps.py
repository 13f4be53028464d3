from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation (``seed_demo``): above every app, writing through their services."""

    name = "demo"
    verbose_name = "Demo data"
