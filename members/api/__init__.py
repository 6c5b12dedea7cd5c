"""The members API for the newsroom's CMS: "is this reader an entitled patron, of which
tier". Tokens (`tokens.py`), the sections higher apps add to the answer (`registry.py`), the
endpoints and their OpenAPI document (`views.py`, `openapi.py`)."""
