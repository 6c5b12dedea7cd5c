"""``/v1/disputes``. Disputes are opened through the control API (a cardholder's bank would)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint

from fakestripe.api.base import api, paginate, retrieve
from fakestripe.charging import close_dispute
from fakestripe.events import emit_updated
from fakestripe.params import Bool, Hash, Metadata, Str, apply_metadata, endpoint, list_endpoint
from fakestripe.tracking import consume, wanted

if TYPE_CHECKING:
    from fakestripe.runtime import Runtime

bp = Blueprint("disputes", __name__)


@api(bp, "/v1/disputes/<dispute_id>", "GET", endpoint())
def retrieve_dispute(rt: Runtime, params: dict[str, Any], dispute_id: str) -> dict[str, Any]:
    return retrieve(rt, "dispute", dispute_id)


LIST = list_endpoint({"charge": Str(max_length=255), "payment_intent": Str(max_length=255)})


@api(bp, "/v1/disputes", "GET", LIST)
def list_disputes(rt: Runtime, params: dict[str, Any]) -> dict[str, Any]:
    f = wanted(params, "charge", "payment_intent")
    items = rt.store.all("dispute", lambda d: all(d[k] == v for k, v in f.items()))
    return paginate(rt, items, params, "/v1/disputes")


_EVIDENCE_TEXT = (
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_email_address",
    "customer_name",
    "product_description",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "uncategorized_text",
    "access_activity_log",
    "billing_address",
    "customer_purchase_ip",
    "duplicate_charge_explanation",
)

# Evidence that is a file upload, or structured; the stand-in stores text evidence only.
_EVIDENCE_OTHER = (
    "appeal",
    "cancellation_policy",
    "customer_communication",
    "customer_signature",
    "duplicate_charge_documentation",
    "duplicate_charge_id",
    "enhanced_evidence",
    "receipt",
    "refund_policy",
    "service_documentation",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_file",
)

UPDATE = endpoint(
    {
        "metadata": Metadata(),
        "evidence": Hash(
            {k: Str(max_length=20_000) for k in _EVIDENCE_TEXT}, unsupported=_EVIDENCE_OTHER
        ),
        "submit": Bool(),
    },
    unsupported=("intended_submission_method",),
)


@api(bp, "/v1/disputes/<dispute_id>", "POST", UPDATE)
def update_dispute(rt: Runtime, params: dict[str, Any], dispute_id: str) -> dict[str, Any]:
    dispute = rt.store.require("dispute", dispute_id)
    before = rt.render(dispute)
    if "metadata" in params:
        dispute["metadata"] = apply_metadata(dispute["metadata"], params["metadata"])
    if params.get("evidence"):
        dispute["evidence"].update(consume(params["evidence"]))
        dispute["evidence_details"]["has_evidence"] = True
    if params.get("submit"):
        dispute["evidence_details"]["submission_count"] += 1
        dispute["status"] = "under_review"
    emit_updated(rt, "charge.dispute.updated", dispute, before)
    rt.store.mark_dirty()
    return rt.render(dispute)


@api(bp, "/v1/disputes/<dispute_id>/close", "POST", endpoint())
def close(rt: Runtime, params: dict[str, Any], dispute_id: str) -> dict[str, Any]:
    dispute = rt.store.require("dispute", dispute_id)
    # Closing a dispute yourself means accepting it: the money stays with the cardholder.
    return rt.render(close_dispute(rt, dispute, "lost"))
