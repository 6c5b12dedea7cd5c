"""`POST /stripe/webhook/`: verify, store, answer 200 fast. Processing happens in a task."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import gateway

from .inbox import inbox_receive

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Stripe events are a few KB; refuse anything absurd


@csrf_exempt  # Stripe cannot send a CSRF token; the signature on the raw body is the check
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
        return JsonResponse({"error": "payload too large"}, status=400)
    raw = request.body
    try:
        event = gateway.event_verify(payload=raw, signature=request.headers.get("Stripe-Signature"))
    except gateway.InvalidSignature as exc:
        log.warning("webhook refused: %s", exc)
        return JsonResponse({"error": "invalid signature"}, status=400)
    inbox_id = inbox_receive(event=event, raw=raw)
    return JsonResponse({"received": True, "duplicate": inbox_id is None})
