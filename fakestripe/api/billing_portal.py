"""``/v1/billing_portal/sessions``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api
from fakestripe.objects.misc import build_portal_session
from fakestripe.params import Str, Url, endpoint, words

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("billing_portal", __name__)

PORTAL_LOCALES = words(
    "auto bg cs da de el en en-AU en-CA en-GB en-IE en-IN en-NZ en-SG es es-419 et fi fil fr "
    "fr-CA hr hu id it ja ko lt lv ms mt nb nl pl pt pt-BR ro ru sk sl sv th tr vi zh zh-HK "
    "zh-TW"
)

CREATE = endpoint(
    {
        "customer": Str(max_length=255),
        "return_url": Url(),
        "locale": Str(choices=PORTAL_LOCALES),
    },
    required=("customer",),
    unsupported=(
        "after_expiration",
        "configuration",
        "customer_account",
        "flow_data",
        "on_behalf_of",
    ),
)


@api(bp, "/v1/billing_portal/sessions", "POST", CREATE)
def create_portal_session(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    customer = rt.store.require("customer", params["customer"], param="customer", status=400)
    session, token = build_portal_session(
        rt,
        customer=customer["id"],
        return_url=params.get("return_url"),
        locale=params.get("locale"),
    )
    rt.store.insert(session)
    rt.store.private(session["id"])["token"] = token
    rt.store.internal.setdefault("_portal_tokens", {})[token] = session["id"]
    rt.emit("billing_portal.session.created", session)
    return rt.render(session)
