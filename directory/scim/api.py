"""The SCIM 2.0 endpoints (``/scim/v2/``): discovery, Users and Groups (the roles).

Only a live SCIM bearer token gets in (``auth.py``); bodies are ``application/scim+json``
(or plain JSON) both ways; every refusal is a SCIM error body (``errors.py``). Not part
of ``/api/v1/``, so left out of the OpenAPI schema (``schema = None``)."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db.models import Prefetch, Q
from rest_framework import status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from common.throttles import ScimThrottle
from directory.scim import errors, filters, resources, schemas, services
from directory.scim.auth import HasScimToken, ScimTokenAuthentication
from directory.scim.patch import patch_apply
from people.models import User
from people.roles import Role
from personal_data.registry import erased_people

# What each resource may be filtered on (lower case, filters.attribute_name).
USER_FILTERS = {"username", "externalid", "emails.value", "emails", "id"}
GROUP_FILTERS = {"displayname", "id"}


class ScimJSONParser(JSONParser):
    media_type = "application/scim+json"


class ScimJSONRenderer(JSONRenderer):
    media_type = "application/scim+json"


class ScimContentNegotiation(BaseContentNegotiation):
    """Always SCIM's JSON, whatever ``Accept`` says (identity providers send ``*/*``,
    ``application/json`` or nothing)."""

    def select_parser(self, request, parsers):
        for parser in parsers:
            if request.content_type.split(";")[0].strip() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ScimView(APIView):
    authentication_classes = [ScimTokenAuthentication]
    permission_classes = [HasScimToken]
    throttle_classes = [ScimThrottle]
    parser_classes = [ScimJSONParser, JSONParser]
    renderer_classes = [ScimJSONRenderer]
    content_negotiation_class = ScimContentNegotiation
    schema = None

    def get_exception_handler(self):
        return errors.exception_handler

    def base(self) -> str:
        return self.request.build_absolute_uri("/scim/v2").rstrip("/")

    def body(self) -> dict:
        data = self.request.data
        if not isinstance(data, dict):
            raise errors.invalid_syntax("The body is a JSON object.")
        return data


def _list_response(resources: list[dict], *, total: int, start: int) -> dict:
    return {
        "schemas": [schemas.LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _number(request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise errors.invalid_value(f"{name} is a whole number.") from None


# --- discovery ---------------------------------------------------------------------------


class ServiceProviderConfigView(ScimView):
    def get(self, request):
        return Response(schemas.service_provider_config(base=self.base()))


class ResourceTypesView(ScimView):
    def get(self, request):
        found = schemas.resource_types(base=f"{self.base()}/ResourceTypes")
        return Response(_list_response(found, total=len(found), start=1))


class SchemasView(ScimView):
    def get(self, request):
        found = schemas.schemas(base=f"{self.base()}/Schemas")
        return Response(_list_response(found, total=len(found), start=1))


# --- Users -------------------------------------------------------------------------------


def users_for_scim():
    """People with what their SCIM resource shows, in a fixed number of queries. An
    erased person is nobody here: the identity provider still holds their id, and a
    PUT or PATCH to it would write their name and email back onto the anonymised row."""
    return (
        User.objects.exclude(erased_people())
        .select_related("manager", "scim_identity")
        .prefetch_related(Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values)))
    )


def _user_filter(comparisons: list[filters.Comparison]) -> Q:
    where = Q()
    for comparison in comparisons:
        value = comparison.value
        if not isinstance(value, str):
            raise errors.ScimError(400, "Compare with a string.", "invalidFilter")
        if comparison.attribute in ("username", "emails", "emails.value"):
            where &= Q(email__iexact=value.strip())
        elif comparison.attribute == "externalid":
            where &= Q(scim_identity__external_id=value)
        else:  # id
            pk = resources.user_key(value)
            where &= Q(pk=pk) if pk is not None else Q(pk__in=[])
    return where


def _user(pk: str) -> User:
    key = resources.user_key(pk)
    user = users_for_scim().filter(pk=key).first() if key is not None else None
    if user is None:
        raise errors.not_found(f"No user has the id {pk!r}.")
    return user


class UsersView(ScimView):
    def get(self, request):
        found = users_for_scim().order_by("pk")
        text = request.query_params.get("filter")
        if text is not None:
            found = found.filter(_user_filter(filters.parse(text, attributes=USER_FILTERS)))
        start = max(_number(request, "startIndex", 1), 1)
        count = min(max(_number(request, "count", schemas.MAX_COUNT), 0), schemas.MAX_COUNT)
        page = list(found[start - 1 : start - 1 + count]) if count else []
        return Response(
            _list_response(
                [resources.user_resource(request, user) for user in page],
                total=found.count(),
                start=start,
            )
        )

    def post(self, request):
        fields = resources.user_fields(self.body())
        user = services.scim_user_create(fields=fields)
        resource = resources.user_resource(request, _user(str(user.pk)))
        response = Response(resource, status=status.HTTP_201_CREATED)
        response["Location"] = resource["meta"]["location"]
        return response


class UserView(ScimView):
    def get(self, request, pk: str):
        return Response(resources.user_resource(request, _user(pk)))

    def put(self, request, pk: str):
        user = _user(pk)
        was = resources.user_resource(request, user)
        wanted = _overlay(was, self.body())
        return self._update(user, was, wanted)

    def patch(self, request, pk: str):
        user = _user(pk)
        was = resources.user_resource(request, user)
        return self._update(user, was, patch_apply(was, self.body()))

    def delete(self, request, pk: str):
        if not services.scim_user_deactivate(user=_user(pk)):
            return _held()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _update(self, user: User, was: dict, wanted: dict) -> Response:
        fields = resources.user_fields(wanted, was=was, user=user)
        if not services.scim_user_update(user=user, fields=fields):
            return _held()
        return Response(resources.user_resource(self.request, _user(str(user.pk))))


def _held() -> Response:
    """The safety valve held a deactivation for HR: answered, not raised, so what the
    request wrote (the hold, any other change) is kept. 409: the identity provider shows
    the person as not deprovisioned until HR approves (then its retry is a no-op)."""
    detail = (
        "Held by Lodestar's safety valve: too many people were deactivated through SCIM "
        "within 24 hours. HR approves or rejects the held deactivations on the Directory page."
    )
    return Response(errors.error_body(status.HTTP_409_CONFLICT, detail), status=409)


def _overlay(was: dict, body: dict) -> dict:
    """A PUT's resource: what it sends replaces what the person has; what it leaves out
    stays (RFC 7644 §3.5.1 lets a provider keep it: an identity provider that does not
    map the manager must not clear the one HR set)."""
    wanted = {**was}
    for key, value in body.items():
        if key.lower() == schemas.ENTERPRISE_USER.lower() and isinstance(value, dict):
            wanted[schemas.ENTERPRISE_USER] = {**was[schemas.ENTERPRISE_USER], **value}
        elif key.lower() not in ("schemas", "id", "meta"):
            wanted[key] = value
    return wanted


# --- Groups: the roles -------------------------------------------------------------------


def _role(pk: str) -> Role:
    for role in Role:
        if role.value.lower() == pk.lower():
            return role
    raise errors.not_found(f"No group has the id {pk!r}: the groups are Lodestar's roles.")


def _role_groups(roles, *, members: bool) -> dict[str, Group]:
    found = Group.objects.filter(name__in=[role.value for role in roles])
    if members:
        found = found.prefetch_related(
            Prefetch("user_set", queryset=User.objects.order_by("pk").only("pk", "full_name"))
        )
    return {group.name: group for group in found}


def _fixed(detail: str) -> errors.ScimError:
    return errors.ScimError(status.HTTP_403_FORBIDDEN, detail, "mutability")


def _wants_members(request) -> bool:
    excluded = request.query_params.get("excludedAttributes", "")
    return "members" not in {name.strip().lower() for name in excluded.split(",")}


class GroupsView(ScimView):
    def get(self, request):
        roles = list(Role)
        text = request.query_params.get("filter")
        if text is not None:
            for comparison in filters.parse(text, attributes=GROUP_FILTERS):
                wanted = str(comparison.value).lower()
                roles = [
                    role for role in roles if wanted in (role.value.lower(), role.label.lower())
                ]
        members = _wants_members(request)
        groups = _role_groups(roles, members=members)
        found = [
            resources.group_resource(request, role, groups.get(role.value), members=members)
            for role in roles
        ]
        return Response(_list_response(found, total=len(found), start=1))

    def post(self, request):
        raise _fixed("The groups are Lodestar's roles, fixed: add members to one instead.")


class GroupView(ScimView):
    def get(self, request, pk: str):
        role = _role(pk)
        members = _wants_members(request)
        group = _role_groups([role], members=members).get(role.value)
        return Response(resources.group_resource(request, role, group, members=members))

    def patch(self, request, pk: str):
        role = _role(pk)
        group = _role_groups([role], members=True).get(role.value)
        was = resources.group_resource(request, role, group)
        return self._members_set(role, was, patch_apply(was, self.body()))

    def put(self, request, pk: str):
        role = _role(pk)
        group = _role_groups([role], members=True).get(role.value)
        was = resources.group_resource(request, role, group)
        body = self.body()
        return self._members_set(role, was, {**was, **body, "members": body.get("members", [])})

    def delete(self, request, pk: str):
        _role(pk)
        raise _fixed("The groups are Lodestar's roles, fixed: remove their members instead.")

    def _members_set(self, role: Role, was: dict, wanted: dict) -> Response:
        name = resources.get_attribute(wanted, "displayName")
        if name is not None and str(name).lower() not in (role.value.lower(), role.label.lower()):
            raise errors.ScimError(400, "A role's displayName cannot change.", "mutability")
        before = _member_ids(was.get("members"))
        after = _member_ids(resources.get_attribute(wanted, "members") or [])
        people = users_for_scim().in_bulk(after - before)
        unknown = sorted((after - before) - set(people))
        if unknown:
            raise errors.invalid_value(f"No user has the id {unknown[0]}.")
        services.scim_group_members_set(
            role=role,
            add=[people[pk] for pk in sorted(people)],
            remove=list(User.objects.filter(pk__in=before - after).order_by("pk")),
        )
        group = _role_groups([role], members=True).get(role.value)
        return Response(resources.group_resource(self.request, role, group))


def _member_ids(members) -> set[int]:
    if not isinstance(members, list):
        raise errors.invalid_value('members is a list of {"value": a user\'s id}.')
    ids = set()
    for member in members:
        value = resources.get_attribute(member, "value")
        key = str(value).strip() if value is not None else ""
        pk = resources.user_key(key)
        if pk is None:
            raise errors.invalid_value(f"No user has the id {key!r}.")
        ids.add(pk)
    return ids
