"""Email backends for tests: one that fails like an SMTP server that is down, and the
file backend the real worker uses, which a test can slow down or stall."""

import os
import smtplib
import time

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend


class FlakyBackend(EmailBackend):
    """Refuses the first ``failures_left`` messages."""

    failures_left = 0

    def send_messages(self, messages):
        if FlakyBackend.failures_left > 0:
            FlakyBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class WorkerFileBackend(FileBackend):
    """The real worker's backend (config/settings/worker_test.py): writes each message to
    a file, after ``LODESTAR_TEST_SEND_DELAY`` seconds, and hangs before writing one to
    ``LODESTAR_TEST_STALL_TO``, like an SMTP server that never answers: a worker
    killed then dies with that email in flight, not accepted."""

    def send_messages(self, messages):
        delay = float(os.environ.get("LODESTAR_TEST_SEND_DELAY", "0"))
        stall_to = os.environ.get("LODESTAR_TEST_STALL_TO", "")
        for message in messages:
            time.sleep(delay)
            if stall_to and stall_to in message.to:
                time.sleep(3600)
        return super().send_messages(messages)
