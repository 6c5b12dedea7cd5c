"""A plain article page on a site of its own (the newsroom's CMS, in tests): a tiny HTTP
server in a thread on a free local port, serving the HTML a test gives it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def article_html(*, site: str, widget: bool = True, lang: str = "en", extra: str = "") -> str:
    """An article as a CMS would print it, with the widget snippet from the README."""
    snippet = (
        f'<div data-patronage-widget><a href="{site}/support/">Support our journalism</a></div>\n'
        f'<script async src="{site}/static/billing/embed.js"></script>'
        if widget
        else ""
    )
    paragraphs = "\n".join(
        f"<p>Paragraph {n}: the harbour's empty warehouses belong to shell companies.</p>"
        for n in range(1, 9)
    )
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Who owns the warehouses?</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Who owns the harbour's empty warehouses?</h1>
{paragraphs}
{snippet}
{extra}
</main></body></html>"""


@contextmanager
def article_site(pages: dict[str, str]) -> Iterator[str]:
    """Serve `pages` ({path: html}); yields the site's origin, e.g. http://127.0.0.1:51234."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path.split("?")[0])
            if body is None:
                self.send_error(404)
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
