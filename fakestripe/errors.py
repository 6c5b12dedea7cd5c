"""Stripe-shaped errors.

Every failure the stand-in reports goes through :class:`StripeError` so that the JSON body has
the shape the official library parses (``{"error": {"type", "code", "param", "message", ...}}``).
"""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    def __init__(
        self,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        status: int = 400,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.status = status
        self.decline_code = decline_code
        self.extra = extra or {}

    def to_dict(self, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            body["code"] = self.code
            # Stripe's error documentation pages use hyphens in the slug.
            body["doc_url"] = "https://stripe.com/docs/error-codes/" + self.code.replace("_", "-")
        if self.decline_code:
            body["decline_code"] = self.decline_code
        if self.param is not None:
            body["param"] = self.param
        if request_id:
            body["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        body.update(self.extra)
        return {"error": body}


# Stripe documents precise codes for some validation failures (parameter_missing, ...); for the
# rest (bad enum value, malformed hash) it sends none, but callers of the stand-in asked for a
# code on every parameter error, so those get the generic "parameter_invalid".
GENERIC_PARAM_CODE = "parameter_invalid"


def invalid(
    message: str, param: str | None = None, code: str | None = GENERIC_PARAM_CODE
) -> StripeError:
    return StripeError(message, param=param, code=code)


NOT_IMPLEMENTED = "(Stripe knows this {what}, but the fakestripe stand-in does not implement it.)"


def not_implemented(param: str, value: str | None = None, *, known: bool = True) -> StripeError:
    """A parameter (or, with ``value``, one of its values) that Stripe accepts and the stand-in
    refuses rather than accept and ignore. Unknown parameters get the same code. ``known=False``:
    the value may also be one Stripe does not have (the stand-in keeps no list of those)."""
    if not known:
        return invalid(
            f"Invalid value for {param}: {(value or '')[:60]}. (Either Stripe has no such value, "
            "or the fakestripe stand-in does not implement it.)",
            param=param,
        )
    if value is None:
        return invalid(
            f"Received unknown parameter: {param}. " + NOT_IMPLEMENTED.format(what="parameter"),
            param=param,
            code="parameter_unknown",
        )
    return invalid(
        f"Invalid value for {param}: {value[:60]}. " + NOT_IMPLEMENTED.format(what="value"),
        param=param,
    )


def missing(kind: str, object_id: str, param: str = "id", status: int = 404) -> StripeError:
    return StripeError(
        f"No such {kind}: '{object_id}'", code="resource_missing", param=param, status=status
    )


def card_error(
    message: str,
    code: str,
    decline_code: str | None = None,
    param: str | None = None,
    extra: dict[str, Any] | None = None,
) -> StripeError:
    return StripeError(
        message,
        type_="card_error",
        code=code,
        decline_code=decline_code,
        param=param,
        status=402,
        extra=extra,
    )


def api_error(message: str = "An unknown error occurred") -> StripeError:
    return StripeError(message, type_="api_error", status=500)
