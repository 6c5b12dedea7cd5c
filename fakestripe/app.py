"""The Flask application: API routes, hosted pages, control API and error handling."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from fakestripe.api import blueprints
from fakestripe.api.base import authenticate, error_response
from fakestripe.errors import StripeError, api_error
from fakestripe.ids import new_id
from fakestripe.runtime import Runtime

log = logging.getLogger("fakestripe.http")

HOSTED_PREFIXES = ("/c/", "/p/", "/i/", "/receipts/")
MAX_BODY = 1 << 20
MAX_QUERY = 64 << 10


def is_hosted(path: str) -> bool:
    return path == "/" or path.startswith(HOSTED_PREFIXES)


def create_app(rt: Runtime) -> Flask:
    from fakestripe import control_api, hosted, hosted_checkout, hosted_portal  # noqa: F401

    app = Flask(
        "fakestripe",
        template_folder=str(Path(__file__).with_name("templates")),
        static_folder=None,
    )
    app.extensions["fakestripe"] = rt
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.url_map.strict_slashes = False
    # Werkzeug would answer "//" with an HTML redirect; Stripe answers with a JSON 404.
    app.url_map.merge_slashes = False
    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    app.register_blueprint(control_api.bp)
    app.register_blueprint(hosted.bp)

    @app.before_request
    def start_request() -> None:
        g.request_id = new_id("req", 14)
        g.started = time.monotonic()
        if len(request.query_string) > MAX_QUERY:
            raise StripeError(
                f"The query string is too long (limit {MAX_QUERY} bytes).",
                status=414,
                code="parameter_invalid",
            )
        if request.path.startswith("/v1/"):
            g.api_key = authenticate()

    @app.after_request
    def log_request(response: Response) -> Response:
        if rt.settings.log_requests:
            elapsed = (time.monotonic() - g.get("started", time.monotonic())) * 1000
            log.info(
                "%s %s %s %.1fms %s",
                request.method,
                request.full_path.rstrip("?"),
                response.status_code,
                elapsed,
                g.get("request_id", ""),
            )
        return response

    @app.errorhandler(StripeError)
    def stripe_error(exc: StripeError) -> Response:
        if is_hosted(request.path):
            return hosted.error_page(exc.status, exc.message)
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if is_hosted(request.path) and status < 500:
            return hosted.error_page(status, exc.description or exc.name)
        if status in {404, 405}:
            return error_response(
                StripeError(
                    f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                    "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                    status=404,
                    code=None,
                )
            )
        if status == 413:
            return error_response(
                StripeError(
                    f"Request body is too large (limit {MAX_BODY} bytes).",
                    status=413,
                    code="parameter_invalid",
                )
            )
        return error_response(StripeError(exc.description or exc.name, status=status))

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> Response:
        log.exception("fakestripe: unhandled error on %s %s", request.method, request.path)
        return error_response(api_error(f"An unknown error occurred ({type(exc).__name__})."))

    return app
