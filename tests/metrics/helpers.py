"""The metrics world's day: every figure in tests/metrics/conftest.py is as of it."""

import datetime

AS_OF = datetime.date(2024, 7, 15)
