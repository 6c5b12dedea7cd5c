"""``/v1/billing_portal/sessions``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api
from fakestripe.objects.misc import build_portal_session
from fakestripe.params import Str, Url, endpoint

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("billing_portal", __name__)

CREATE = endpoint(
    {
        "customer": Str(max_length=255),
        "return_url": Url(),
        "locale": Str(max_length=10),
        "configuration": Str(max_length=255),
    },
    required=("customer",),
    unsupported=("flow_data", "on_behalf_of", "customer_account"),
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
