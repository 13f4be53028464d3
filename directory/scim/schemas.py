"""SCIM's names (RFC 7643) and the discovery documents an identity provider reads first:
what Lodestar supports (``ServiceProviderConfig``), its resource types and their schemas."""

from __future__ import annotations

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

# The most resources one page of a list holds (``count`` is cut to it).
MAX_COUNT = 200
DOCUMENTATION = "docs/scim.md"


def service_provider_config(*, base: str) -> dict:
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "documentationUri": DOCUMENTATION,
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_COUNT},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A token HR makes on Lodestar's SCIM tokens page.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": base},
    }


def resource_types(*, base: str) -> list[dict]:
    return [
        {
            "schemas": [RESOURCE_TYPE],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "A person in Lodestar",
            "schema": CORE_USER,
            "schemaExtensions": [{"schema": ENTERPRISE_USER, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{base}/User"},
        },
        {
            "schemas": [RESOURCE_TYPE],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "A Lodestar role (fixed: HR, Mentor, Leader, Manager)",
            "schema": CORE_GROUP,
            "meta": {"resourceType": "ResourceType", "location": f"{base}/Group"},
        },
    ]


def _attribute(name: str, kind: str = "string", **options) -> dict:
    return {
        "name": name,
        "type": kind,
        "multiValued": options.pop("multi", False),
        "description": options.pop("description", ""),
        "required": options.pop("required", False),
        "caseExact": options.pop("case_exact", False),
        "mutability": options.pop("mutability", "readWrite"),
        "returned": "default",
        "uniqueness": options.pop("uniqueness", "none"),
        **({"subAttributes": options.pop("sub")} if "sub" in options else {}),
    }


def schemas(*, base: str) -> list[dict]:
    user = [
        _attribute("userName", required=True, uniqueness="server", description="The email."),
        _attribute(
            "name",
            "complex",
            sub=[_attribute("formatted"), _attribute("givenName"), _attribute("familyName")],
        ),
        _attribute("displayName"),
        _attribute("title"),
        _attribute("active", "boolean"),
        _attribute(
            "emails",
            "complex",
            multi=True,
            sub=[_attribute("value"), _attribute("type"), _attribute("primary", "boolean")],
        ),
        _attribute(
            "groups",
            "complex",
            multi=True,
            mutability="readOnly",
            sub=[_attribute("value", mutability="readOnly"), _attribute("display")],
        ),
    ]
    enterprise = [
        _attribute("division", description="Lodestar's region."),
        _attribute(
            "manager",
            "complex",
            sub=[
                _attribute("value", description="The manager's SCIM id."),
                _attribute("displayName", mutability="readOnly"),
            ],
        ),
    ]
    group = [
        _attribute("displayName", mutability="readOnly", uniqueness="server"),
        _attribute(
            "members", "complex", multi=True, sub=[_attribute("value"), _attribute("display")]
        ),
    ]
    documents = [(CORE_USER, "User", user), (ENTERPRISE_USER, "EnterpriseUser", enterprise)]
    documents.append((CORE_GROUP, "Group", group))
    return [
        {
            "schemas": [SCHEMA],
            "id": urn,
            "name": name,
            "attributes": attributes,
            "meta": {"resourceType": "Schema", "location": f"{base}/{urn}"},
        }
        for urn, name, attributes in documents
    ]
