"""The demo organisation: ``manage.py seed_demo`` (used by ``make run``).

Each app keeps its own demo data beside its services (``<app>/demo.py``, with
``seed(*, today)``); this app sits above all of them and runs them in dependency order
with one ``today`` (the day it runs), from which every date in the demo is derived, so
a demo seeded next year looks as fresh as one seeded today.
"""
