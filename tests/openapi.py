"""Check an API response against Lodestar's own OpenAPI schema (what clients rely on)."""

import functools
import json

import jsonschema
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer


@functools.cache
def _openapi() -> dict:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return _as_json_schema(json.loads(OpenApiJsonRenderer().render(schema)))


def _as_json_schema(node):
    """OpenAPI 3.0's ``nullable`` spelled as JSON Schema, which has no such keyword."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _as_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def assert_matches_schema(response, *, path: str, method: str = "get") -> None:
    """``path`` is the templated path as documented, e.g. ``/api/v1/me/``."""
    openapi = _openapi()
    documented = openapi["paths"][path][method]["responses"][str(response.status_code)]
    body_schema = documented["content"]["application/json"]["schema"]
    root = {"allOf": [body_schema], "components": openapi["components"]}
    jsonschema.validate(response.json(), root, cls=jsonschema.Draft7Validator)
