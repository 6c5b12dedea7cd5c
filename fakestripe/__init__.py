"""fakestripe: a local stand-in for the subset of the Stripe API a membership site uses."""

API_VERSION = "2026-10-28.endive"
__version__ = "0.1.0"
