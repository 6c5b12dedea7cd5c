"""Client for the ``/_control`` API, for tests and tooling. Standard library only."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

# Local server: environment proxy settings must not reroute these calls.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class FakeStripeControlError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        super().__init__(f"{status}: {error.get('message', body)}")
        self.status = status
        self.body = body
        self.error = error


class FakeStripeControl:
    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    # --- transport --------------------------------------------------------------------------

    def request(
        self, method: str, path: str, payload: dict[str, Any] | None = None, **query: Any
    ) -> dict[str, Any]:
        url = self.base_url + path
        params = {k: v for k, v in query.items() if v is not None}
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = json.dumps(payload or {}).encode() if method == "POST" else None
        req = urllib.request.Request(  # noqa: S310 - the caller chooses its own server URL
            url, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with _opener.open(req, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"error": {"message": raw.decode("utf-8", "replace")}}
            raise FakeStripeControlError(exc.code, body) from None

    def _post(self, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request(
            "POST", path, {k: v for k, v in (payload or {}).items() if v is not None}
        )

    # --- server -----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self.request("GET", "/_control/health")

    def reset(self) -> dict[str, Any]:
        return self._post("/_control/reset")

    # --- time -------------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        return self.request("GET", "/_control/clock")

    def now(self) -> int:
        return int(self.clock()["now"])

    def advance(
        self,
        *,
        days: float = 0,
        hours: float = 0,
        seconds: int = 0,
        to: int | None = None,
    ) -> dict[str, Any]:
        """Move the virtual clock, processing every renewal/retry/expiry on the way."""
        if to is not None:
            return self._post("/_control/clock/advance", {"to": to})
        total = int(days * 86_400 + hours * 3600 + seconds)
        return self._post("/_control/clock/advance", {"seconds": total})

    def tick(self) -> dict[str, Any]:
        return self._post("/_control/tick")

    # --- checkout ---------------------------------------------------------------------------

    def pay_checkout_session(
        self,
        session_id: str,
        card: str = "4242424242424242",
        *,
        email: str | None = None,
        name: str | None = None,
        authenticate: str | None = None,
        step_seconds: float | None = None,
        promotion_code: str | None = None,
    ) -> dict[str, Any]:
        """Pay a session as the hosted page would, and wait until it is complete. Declines
        raise FakeStripeControlError (status 402, ``error.code`` ``card_declined`` ...).
        ``authenticate`` answers a 3-D Secure challenge: "approve" (default) or "decline".
        ``step_seconds``: real time between the completion's steps (the server's
        ``--checkout-step-seconds`` by default), for tests that watch the states in between.
        ``promotion_code``: entered on the page first (``allow_promotion_codes``)."""
        body: dict[str, Any] = {
            "card": card,
            "email": email,
            "name": name,
            "authenticate": authenticate,
        }
        if step_seconds is not None:
            body["step_ms"] = round(step_seconds * 1000)
        if promotion_code is not None:
            body["promotion_code"] = promotion_code
        return self._post(f"/_control/checkout_sessions/{session_id}/pay", body)

    def settings(self, **changes: Any) -> dict[str, Any]:
        """Read, or change, the billing settings: ``payment_retry_days=[1, 3]``,
        ``retries_exhausted="unpaid"``, ``invoice_after_retries="uncollectible"``,
        ``upcoming_days=7``, ``portal_proration_behavior="none"`` (``reset()`` restores)."""
        if not changes:
            return self.request("GET", "/_control/settings")
        return self._post("/_control/settings", changes)

    # --- webhooks ---------------------------------------------------------------------------

    def add_webhook_endpoint(
        self, url: str, secret: str, enabled_events: list[str] | None = None
    ) -> dict[str, Any]:
        return self._post(
            "/_control/webhook_endpoints",
            {"url": url, "secret": secret, "enabled_events": enabled_events},
        )

    def hold_webhooks(self) -> dict[str, Any]:
        return self._post("/_control/webhooks/hold")

    def held_webhooks(self) -> list[dict[str, str]]:
        return self.request("GET", "/_control/webhooks/held")["held"]

    def release_webhooks(
        self,
        order: str = "as_created",
        duplicates: int = 1,
        concurrent: bool = False,
        seed: int | None = None,
    ) -> dict[str, Any]:
        return self._post(
            "/_control/webhooks/release",
            {"order": order, "duplicates": duplicates, "concurrent": concurrent, "seed": seed},
        )

    def redeliver(self, event_id: str, endpoint: str | None = None) -> dict[str, Any]:
        return self._post(f"/_control/events/{event_id}/redeliver", {"endpoint": endpoint})

    def deliveries(
        self, *, event: str | None = None, type: str | None = None, endpoint: str | None = None
    ) -> list[dict[str, Any]]:
        return self.request(
            "GET", "/_control/deliveries", event=event, type=type, endpoint=endpoint
        )["data"]

    def wait_idle(self, timeout: float = 30) -> bool:
        """Block until every queued webhook delivery (including retries) is done."""
        return bool(self._post("/_control/wait_idle", {"timeout": timeout})["idle"])

    # --- disputes ---------------------------------------------------------------------------

    def create_dispute(
        self,
        charge: str | None = None,
        *,
        payment_intent: str | None = None,
        reason: str = "fraudulent",
        amount: int | None = None,
    ) -> dict[str, Any]:
        return self._post(
            "/_control/disputes",
            {
                "charge": charge,
                "payment_intent": payment_intent,
                "reason": reason,
                "amount": amount,
            },
        )

    def close_dispute(self, dispute_id: str, status: str = "won") -> dict[str, Any]:
        return self._post(f"/_control/disputes/{dispute_id}/close", {"status": status})
