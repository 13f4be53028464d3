"""Every route Django resolves (the API and the pages), the methods it answers, and the
real objects of the world its path names; and one caller's answer to one request."""

import copy
import dataclasses
import re
from collections.abc import Iterator

from django.contrib.admindocs.views import simplify_regex
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from people.models import User
from tests.permissions import matrix

WRITE_METHODS = ("post", "put", "patch", "delete")
FORGED_TOKEN = "forged-link-0000"


@dataclasses.dataclass(frozen=True)
class Route:
    path: str  # readable: /api/v1/enrollments/<pk>/
    pattern: URLPattern
    is_api: bool

    @property
    def is_rater_link(self) -> bool:
        return "<token>" in self.path and not self.path.startswith("/password/")

    @property
    def callback(self):
        return self.pattern.callback

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    def methods(self) -> list[str]:
        """The methods the route answers other than 405: DRF's router actions, a class
        view's handlers; a function view is tried with GET and POST (its 405 is in the
        table)."""
        actions = getattr(self.callback, "actions", None)
        view_class = self.view_class
        if actions is not None:
            allowed = [m for m in actions if m in view_class.http_method_names]
        elif view_class is not None:
            allowed = [
                m
                for m in view_class.http_method_names
                if m not in ("head", "options", "trace") and hasattr(view_class, m)
            ]
        else:
            allowed = ["get", "post"]
        return [m for m in ("get", *WRITE_METHODS) if m in allowed]


def routes() -> Iterator[Route]:
    """Every route but the admin's own (matrix.ADMIN_RULE covers those) and format
    suffixes."""

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry

    seen = set()
    for raw, entry in walk(get_resolver().url_patterns, "/"):
        # "<int:pk>" (path()) and "(?P<pk>[^/.]+)" (routers) both read "<pk>".
        path = re.sub(r"<\w+:(\w+)>", r"<\1>", simplify_regex(raw))
        if "<format>" in path or path in seen:
            continue
        if path.startswith("/admin/") and path != "/admin/":
            continue
        seen.add(path)
        yield Route(path=path, pattern=entry, is_api=path.startswith("/api/"))


def _object_for(route: Route, world, side) -> object:
    """The leader's object the route's <pk> names (the side's, else the catalogue's)."""
    if route.is_api:
        model = route.view_class.queryset.model
        if model is User:
            return side.leader
        for obj in side.objects.values():
            if isinstance(obj, model):
                return obj
        found = model.objects.order_by("pk").first()
        assert found is not None, f"The world has no {model.__name__} for {route.path}."
        return found
    for prefix, key in matrix.PAGE_OBJECTS.items():
        if route.path.startswith(prefix):
            return side.objects[key] if key in side.objects else getattr(world, key)
    raise AssertionError(f"Name the object of {route.path} in matrix.PAGE_OBJECTS.")


def path_values(route: Route, world, *, caller: str) -> list[dict]:
    """The path's values, one set per URL to try (a route with <verb> expands)."""
    side = world.own
    values = {}
    names = re.findall(r"<(\w+)>", route.path)
    for name in names:
        if name == "pk":
            values["pk"] = _object_for(route, world, side).pk
        elif name == "token" and route.path.startswith("/password/"):
            # Made now: signing in (last_login) ends every earlier reset link.
            side.leader.refresh_from_db()
            values["token"] = default_token_generator.make_token(side.leader)
        elif name == "uidb64":
            values["uidb64"] = urlsafe_base64_encode(force_bytes(side.leader.pk))
        elif name == "token":  # a rater link (a pulse link on the pulse's pages)
            live = world.pulse_token if route.path.startswith("/pulse/") else world.token
            values["token"] = live if caller == "rater link" else FORGED_TOKEN
        elif name == "verb":
            continue
        else:
            key = matrix.PATH_OBJECTS[name]
            obj = side.objects[key] if key in side.objects else getattr(world, key)
            values[name] = obj.pk
    if "verb" in names:
        return [{**values, "verb": verb} for verb in matrix.VERBS[route.path]]
    return [values]


def url_of(route: Route, values: dict) -> str:
    url = route.path
    for name, value in values.items():
        url = url.replace(f"<{name}>", str(value))
    return url


class _RolledBack(Exception):
    def __init__(self, response):
        self.response = response


class Callers:
    """Requests as each caller, each rolled back whatever it changed. A page caller signs
    in once (per test): every request starts from that session's cookie, so a request
    that signs out or cycles the session changes nothing for the next one."""

    def __init__(self, world):
        self.world = world
        self._cookies: dict = {}

    def _page_client(self, caller: str, user) -> Client:
        client = Client()
        if user is not None:
            if caller not in self._cookies:
                client.force_login(user)
                self._cookies[caller] = client.cookies
            client.cookies = copy.deepcopy(self._cookies[caller])
        return client

    def answer(self, caller: str, method: str, url: str, *, is_api: bool, data=None):
        user = self.world.callers[caller]
        if is_api:
            client = APIClient()
            if user is not None:
                client.force_authenticate(user=user)
            kwargs = {"format": "json"} if data is not None else {}
        else:
            # Signed in outside the request's transaction: the session outlives it.
            client = self._page_client(caller, user)
            kwargs = {}
        try:
            with transaction.atomic():
                raise _RolledBack(getattr(client, method)(url, data, **kwargs))
        except _RolledBack as rolled_back:
            return rolled_back.response
