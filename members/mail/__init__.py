"""Email: a ledger of what must be sent (`OutboundEmail`), kinds that say how to render it,
and a Celery task that sends each row once. See `services.py`."""
