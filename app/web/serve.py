"""`python -m app.serve`: bring the index up to date, then serve the chat UI.

It binds to 127.0.0.1:7860 unless `GRADIO_SERVER_NAME` / `GRADIO_SERVER_PORT`
(or `--host` / `--port`) say otherwise, and never opens a share link. Gradio
analytics and Hugging Face telemetry are off (`runtime.py` sets that before
Gradio loads).

The `LocalOnly` middleware answers only requests whose Host is an allowed name: the
loopback names, the bind address and the `allowed_hosts` setting (to serve under a
public name, or on 0.0.0.0, list that name); so a web page on another name that
resolves to this machine (DNS rebinding) cannot drive the app. A state-changing
request whose `Origin` is not this server's own address (a page of another site)
is refused. Every response carries a Content-Security-Policy that lets the page load
only from this server, so markup in a document or a question cannot make the browser
fetch anything, and forbids framing (`frame-ancestors 'none'`, `X-Frame-Options`).
Gradio's routes that fetch remote URLs are closed; no folder is served but Gradio's
own upload folder, and the data folder is blocked. Error logs are bounded and carry
no request data (`logs.py`). The queue answers `UI_CONCURRENCY` questions at once and
holds `UI_QUEUE_SIZE` more; past that, users get Gradio's "busy, try again" notice.

It does not check a reverse proxy's `X-Forwarded-Host`, and offers no login.

This module builds no page (`app.py` does).

    $ python -m app.serve
    Index up to date: 3 files, 44 chunks (0 embedded)
    Chat UI at http://127.0.0.1:7860
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from urllib.parse import urlsplit

import gradio as gr
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import PlainTextResponse

from app.engine import Engine
from app.settings import Settings, get_settings
from app.web import logs
from app.web.app import build
from app.web.assets import CSS
from app.web.theme import THEME
from ingest.errors import CorpusError, EmbeddingModelError, IngestBusy, StoreError
from ingest.index import ingest

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "media-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "frame-src 'none'; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'")
# subtle: Gradio needs inline and eval'd scripts (its page, and gr.HTML's js_on_load)
REMOTE_ROUTES = ("/proxy=", "/file=http:", "/file=https:", "/file=//")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
INGEST_WAIT = 120.0  # seconds to wait for an ingest already running in a terminal


def host_name(host: str) -> str:
    """The name part of a Host header or an allowed-hosts entry: lower case, no port, no
    brackets, no trailing dot.

    >>> host_name("LocalHost.:7860"), host_name("[::1]:7860"), host_name("::1")
    ('localhost', '::1', '::1')
    """
    host = host.strip().lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def allowed_hosts(settings: Settings, extra: Iterable[str] | None = None) -> frozenset[str]:
    """The names the server answers to: the loopback names, the bind address, the
    `allowed_hosts` setting (comma-separated) and `extra`.

    >>> sorted(allowed_hosts(Settings(), ["Chat.Example.org"]))
    ['127.0.0.1', '::1', 'chat.example.org', 'localhost']
    """
    configured = settings.allowed_hosts.split(",")
    names = [*LOCAL_HOSTS, settings.gradio_server_name, *configured, *(extra or [])]
    return frozenset(host_name(n) for n in names if host_name(n))


class LocalOnly(BaseHTTPMiddleware):
    """Answer only requests addressed to an allowed host name (a page on another name
    that resolves here, DNS rebinding, gets 421); refuse state-changing requests from a
    page of another origin (403) and Gradio's routes that fetch remote URLs (403); send
    the CSP and the anti-framing headers with every response."""

    def __init__(self, app, hosts: Iterable[str] = LOCAL_HOSTS):
        super().__init__(app)
        self.hosts = frozenset(host_name(h) for h in hosts)

    async def __call__(self, scope, receive, send):
        # subtle: BaseHTTPMiddleware passes websockets through untouched; check their Host too
        if scope["type"] == "websocket" and not self._host_ok(Headers(scope=scope)):
            await send({"type": "websocket.close", "code": 1008})
            return
        await super().__call__(scope, receive, send)

    async def dispatch(self, request, call_next):
        if not self._host_ok(request.headers):
            return PlainTextResponse("this server answers only at its own address; to serve it "
                                     "under another name, add that name to ALLOWED_HOSTS",
                                     status_code=421)
        origin = request.headers.get("origin")
        if request.method not in SAFE_METHODS and origin is not None \
                and urlsplit(origin).netloc.lower() != request.headers["host"].lower():
            return PlainTextResponse("requests from another site's page are refused",
                                     status_code=403)
        path = request.url.path.lower()
        if any(route in path for route in REMOTE_ROUTES):
            return PlainTextResponse("remote URLs are not fetched by this app", status_code=403)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    def _host_ok(self, headers: Headers) -> bool:
        return host_name(headers.get("host", "")) in self.hosts


def launch(demo: gr.Blocks, settings: Settings, *, block: bool = True, quiet: bool = False,
           hosts: Iterable[str] | None = None):
    """Start the server; returns (app, local URL, share URL) like `Blocks.launch`. `hosts`
    are names to answer to besides those of `allowed_hosts(settings)`."""
    data = settings.data_dir.resolve()
    logs.install(details=settings.log_error_details)
    return demo.launch(
        server_name=settings.gradio_server_name, server_port=settings.gradio_server_port,
        share=False, prevent_thread_lock=not block, quiet=quiet, show_error=False,
        footer_links=["api"], run_history=False, enable_monitoring=False,
        max_file_size=int(settings.max_upload_mb * 1e6), allowed_paths=[],
        blocked_paths=[str(data), str(settings.feedback_path.resolve())],
        theme=THEME, css=CSS,
        app_kwargs={"middleware": [Middleware(LocalOnly, hosts=allowed_hosts(settings, hosts))]})


def main(argv: list[str] | None = None, *, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.serve",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--host", help="address to bind (default: GRADIO_SERVER_NAME or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: GRADIO_SERVER_PORT or 7860)")
    parser.add_argument("--no-ingest", action="store_true", help="serve the index as it is")
    args = parser.parse_args(argv)
    settings = settings or get_settings()
    changes = {k: v for k, v in (("gradio_server_name", args.host),
                                 ("gradio_server_port", args.port)) if v}
    settings = settings.model_copy(update=changes)
    try:
        if not args.no_ingest:
            _bring_up_to_date(settings)
        engine = Engine(settings)
        demo = build(engine, settings)
    except (StoreError, EmbeddingModelError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    url = f"http://{settings.gradio_server_name}:{settings.gradio_server_port}"
    print(f"Chat UI at {url}  (Ctrl+C to stop)", flush=True)
    try:
        launch(demo, settings, quiet=True)
    except OSError as exc:
        print(f"error: cannot serve on {url}: {exc}; set GRADIO_SERVER_PORT or pass --port",
              file=sys.stderr)
        return 3
    return 0


def _bring_up_to_date(settings: Settings) -> None:
    """Ingest what changed since the last run; a missing corpus still lets the app start."""
    try:
        report = ingest(settings, wait=INGEST_WAIT)
    except (CorpusError, IngestBusy) as exc:
        print(f"warning: the index was not updated: {exc}", file=sys.stderr)
        return
    for source, reason in report.failed:
        print(f"failed {source}: {reason} (its earlier chunks, if any, are kept)", file=sys.stderr)
    total = report.chunks_added + report.chunks_updated + report.chunks_unchanged
    print(f"Index up to date: {report.files_seen} files, {total} chunks "
          f"({report.chunks_embedded} embedded in {report.seconds:.1f} s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
