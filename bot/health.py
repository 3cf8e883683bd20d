"""A tiny HTTP health endpoint for load balancers and Docker's HEALTHCHECK.

``GET /health`` answers 200 with the size of the serving index. It runs in its own thread so it
answers even while the event loop is busy, and it works in polling and webhook mode alike.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from retrieval.library import Library


def start_health_server(library: Library, host: str, port: int) -> ThreadingHTTPServer:
    """Serve ``/health`` on ``host:port`` in a daemon thread; ``shutdown()`` stops it."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.rstrip("/") != "/health":
                self.send_error(404)
                return
            corpus = library.engine.corpus
            body = json.dumps(
                {
                    "status": "ok",
                    "articles": len(corpus.articles),
                    "paragraphs": len(corpus.paragraphs),
                    "reloading": library.reloading,
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
