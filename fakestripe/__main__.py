"""``python -m fakestripe``: run the server."""

from __future__ import annotations

import sys

from fakestripe.cli import serve_main

if __name__ == "__main__":
    sys.exit(serve_main())
