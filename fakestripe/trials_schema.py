"""The ``trial_settings`` parameter, shared by subscriptions and Checkout."""

from __future__ import annotations

from fakestripe.params import Hash, Str


def trial_settings_field(*, anchor: bool = True) -> Hash:
    """``anchor``: subscriptions also take ``end_behavior[billing_cycle_anchor]``."""
    fields = {"missing_payment_method": Str(choices=("cancel", "create_invoice", "pause"))}
    if anchor:
        # The first paid period starts at the trial's end (the anchor).
        fields["billing_cycle_anchor"] = Str(choices=("now",), refused=("unchanged",))
    return Hash(
        {"end_behavior": Hash(fields, required=("missing_payment_method",))},
        required=("end_behavior",),
    )
