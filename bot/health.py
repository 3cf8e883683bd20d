"""A tiny HTTP health endpoint for load balancers and Docker's HEALTHCHECK, and its client.

``GET /health`` answers 200 with the size of the serving index. It runs in its own thread so it
answers even while the event loop is busy, and it works in polling and webhook mode alike.
:func:`check_health` is what ``sanad health`` (the image's HEALTHCHECK) runs, so the check asks
the port the bot was configured with, not a number written into the Dockerfile.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
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


class Unhealthy(Exception):
    """``/health`` did not answer "ok"; the message is one line for the operator."""


def check_health(port: int, host: str = "127.0.0.1", timeout: float = 5.0) -> dict:
    """``GET http://host:port/health`` and the JSON it answered with.

    Raises:
        Unhealthy: nothing listens there, the request timed out, or the answer is not a 200
            with ``{"status": "ok", …}``.
    """
    url = f"http://{host}:{port}/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise Unhealthy(f"{url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Unhealthy(f"no answer from {url}: {reason}") from None
    except ValueError:
        raise Unhealthy(f"{url} answered something other than JSON") from None
    if not isinstance(body, dict) or body.get("status") != "ok":
        raise Unhealthy(f"{url} answered {str(body)[:200]}")
    return body
