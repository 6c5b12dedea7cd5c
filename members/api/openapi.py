"""The members API's OpenAPI 3.1 document, served at /api/v1/openapi.json: the endpoints
written here, each section's schema as its app registered it (`registry.py`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .registry import sections

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string", "enum": ["invalid_request", "invalid_token"]},
        "error_description": {"type": "string"},
    },
}

MEMBER = {
    "type": "object",
    "required": ["id", "language"],
    "properties": {
        "id": {"type": "integer", "description": "The reader's stable id on this site."},
        "language": {"type": "string", "enum": ["en", "uk"]},
    },
}


def document() -> dict[str, Any]:
    parts = {s.name: s.schema for s in sections()}
    me = {
        "type": "object",
        "required": ["member", *parts],
        "properties": {"member": {"$ref": "#/components/schemas/Member"}}
        | {name: {"$ref": f"#/components/schemas/{name.capitalize()}"} for name in parts},
    }
    unauthorized = {
        "description": "No token, or one that is malformed, forged, expired or revoked. "
        "`WWW-Authenticate: Bearer` says which (RFC 6750).",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{settings.NEWSROOM['NAME']} members API",
            "version": "1.0.0",
            "description": (
                "For the newsroom's CMS: is this reader an entitled patron, and of which tier. "
                "The reader signs in on this site and is sent back to the CMS with a token "
                "(`GET /api/connect/?return_to=<CMS page>&state=<yours>`; the token arrives in "
                "the return address's fragment as `patronage_token`, with `expires_in` in "
                "seconds and your `state`). Send it as `Authorization: Bearer <token>`. A "
                "token expires, and stops working when the reader revokes it under "
                "“Connected sites”, logs out of the browser session that issued it, changes "
                "their password or deletes their account. Browsers may call the API from the "
                "CMS origins only (CORS)."
            ),
        },
        "servers": [{"url": settings.SITE_URL}],
        "paths": {
            "/api/v1/me": {
                "get": {
                    "operationId": "getMe",
                    "summary": "The reader the token belongs to, and their patronage",
                    "security": [{"readerToken": []}],
                    "responses": {
                        "200": {
                            "description": "The reader",
                            "headers": {"Cache-Control": {"schema": {"const": "no-store"}}},
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Me"}}
                            },
                        },
                        "401": unauthorized,
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                "readerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "pat_<key id>.<secret>",
                    "description": "Issued to the reader by /api/connect/ after sign-in.",
                }
            },
            "schemas": {
                "Me": me,
                "Member": MEMBER,
                "Error": ERROR,
                **{name.capitalize(): schema for name, schema in parts.items()},
            },
        },
    }
