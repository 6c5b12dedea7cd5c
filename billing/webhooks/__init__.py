"""Stripe webhooks: verify and store (`inbox`), then process in a task (`processing`), one
handler per event type (`handlers`)."""
