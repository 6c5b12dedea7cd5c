"""Self-service on "My support": a member changes, cancels, pauses or resumes their own
membership, each change made at Stripe through the gateway and then copied back at once with
`membership_sync` (so the page shows it; the webhook later finds it done and writes the
history from Stripe's own event).

- `changes`: another tier, amount or interval, previewed before it is confirmed; upgrades now
  (prorated, charged at once), downgrades and interval changes at the renewal (a schedule).
- `cancelling`: cancel at the period's end with a reason, and keep it after all.
- `pausing`: pause payments for 1 to 3 months, resume, the reminder before Stripe resumes.
- `card`: the card form of Stripe's portal.
"""
