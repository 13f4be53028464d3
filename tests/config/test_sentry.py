"""Sentry's before_send: no body, cookie, header, query string, local variable, email
address or rater-link token leaves the server."""

import json

from config.sentry import scrub_event

TOKEN = "MQ:1u2v3w:abcdefghijklmnopqrstuvwxyz0123456789"


def django_event() -> dict:
    """An event shaped like the ones Sentry's Django integration sends."""
    return {
        "level": "error",
        "message": "Email to leo.grant@example.com failed",
        "request": {
            "url": f"https://lodestar.example.com/feedback/r/{TOKEN}/",
            "method": "POST",
            "query_string": "email=leo.grant@example.com",
            "data": {"comment": "My manager never listens", "rating": "2"},
            "cookies": {"sessionid": "abc123"},
            "headers": {"Authorization": "Token 0123456789abcdef", "Cookie": "sessionid=abc123"},
            "env": {"REMOTE_ADDR": "10.0.0.7"},
        },
        "user": {"id": 42, "email": "leo.grant@example.com", "ip_address": "10.0.0.7"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": f"no request for leo.grant@example.com at /feedback/r/{TOKEN}/",
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "feedback/services.py",
                                "function": "response_submit",
                                "lineno": 10,
                                "vars": {"notes": "private notes", "password": "hunter2"},
                            }
                        ]
                    },
                }
            ]
        },
        "breadcrumbs": {
            "values": [
                {"category": "django.request", "message": f"GET /feedback/r/{TOKEN}/"},
                {"category": "query", "message": "SELECT ... WHERE email = 'a.b@example.org'"},
            ]
        },
        "extra": {"recipients": ["mia.torres@example.com"]},
    }


def test_request_bodies_cookies_headers_and_query_strings_are_dropped():
    request = scrub_event(django_event(), {})["request"]
    assert request == {
        "url": "https://lodestar.example.com/feedback/r/[redacted]/",
        "method": "POST",
    }


def test_the_user_is_an_id_only():
    assert scrub_event(django_event(), {})["user"] == {"id": 42}


def test_local_variables_are_dropped():
    frame = scrub_event(django_event(), {})["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert frame == {
        "filename": "feedback/services.py",
        "function": "response_submit",
        "lineno": 10,
    }


def test_emails_and_rater_link_tokens_are_scrubbed_from_every_string():
    event = scrub_event(django_event(), {})
    sent = json.dumps(event)

    for secret in (TOKEN, "@example.com", "@example.org", "private notes", "hunter2", "abc123"):
        assert secret not in sent
    assert event["message"] == "Email to [email] failed"
    assert event["exception"]["values"][0]["value"] == (
        "no request for [email] at /feedback/r/[redacted]/"
    )
    assert event["breadcrumbs"]["values"][0]["message"] == "GET /feedback/r/[redacted]/"
    assert event["extra"] == {"recipients": ["[email]"]}


def test_what_helps_debugging_is_kept():
    event = scrub_event(django_event(), {})
    assert event["level"] == "error"
    assert event["exception"]["values"][0]["type"] == "ValueError"
    assert event["breadcrumbs"]["values"][1]["category"] == "query"
