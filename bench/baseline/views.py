"""The two ceilings. Each does the least its counterpart on the site must also do."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse

from .schema import TABLE

_INSERT = f"""
    INSERT INTO {TABLE} (key, body) VALUES (%s, %s)
    ON CONFLICT (key) DO NOTHING
    RETURNING id
"""  # noqa: S608 - the table name is our constant; values are parameters


def ok(request: HttpRequest) -> HttpResponse:
    """The ceiling for a page: Django routes a request and answers, nothing else."""
    return HttpResponse(b"ok", content_type="text/plain")


def insert(request: HttpRequest) -> HttpResponse:
    """The ceiling for the webhook: read the body, take its unique key, insert one row.

    No signature check, no validation beyond finding the key, no task queued: what the site's
    webhook does on top of this is what the ratio measures.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    raw = request.body
    key = json.loads(raw)["id"]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [key, raw.decode("utf-8")])
        row = cursor.fetchone()
    return JsonResponse({"received": True, "duplicate": row is None})
