"""SCIM 2.0 (RFC 7643, RFC 7644) on ``/scim/v2/``: an identity provider creates, updates
and deactivates people and grants roles (as groups), with a bearer token HR made.
docs/scim.md describes what it accepts and what each attribute becomes."""
