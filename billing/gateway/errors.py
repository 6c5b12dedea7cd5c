"""What can go wrong talking to Stripe, in our own terms, so no module but the gateway needs
to know the `stripe` library."""

from __future__ import annotations


class GatewayError(Exception):
    """Stripe refused the request (invalid parameters, a declined card, ...). Not retryable."""

    def __init__(self, message: str, *, code: str = "", param: str = "", status: int = 0):
        super().__init__(message)
        self.code = code
        self.param = param
        self.status = status


class NotFound(GatewayError):
    """The object does not exist at Stripe (`resource_missing`)."""


class GatewayUnavailable(Exception):
    """Stripe could not be reached or answered 429/5xx: try again later."""


class InvalidSignature(Exception):
    """A webhook payload whose signature is missing, wrong or too old."""
