"""`python -m app.serve` (what `make run` runs): ingest, then serve on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from app.settings import Settings
from app.web.serve import main
from tests.conftest import DEFAULT_CORPUS, PROJECT, free_port


@pytest.mark.slow
@pytest.mark.server
def test_make_run_command_ingests_then_serves_at_the_configured_port(tmp_path):
    port = free_port()
    env = {**os.environ, "CORPUS_DIR": str(DEFAULT_CORPUS), "DATA_DIR": str(tmp_path / "data"),
           "GRADIO_SERVER_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    env.pop("GRADIO_SERVER_NAME", None)
    proc = subprocess.Popen([sys.executable, "-m", "app.serve"], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines, deadline = [], time.monotonic() + 240
        while time.monotonic() < deadline and not any("Chat UI at" in s for s in lines):
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            lines.append(line)
        out = "".join(lines)
        assert "Index up to date: 3 files, 44 chunks (44 embedded" in out, out
        assert f"Chat UI at http://127.0.0.1:{port}" in out, out
        for _ in range(100):  # the line is printed just before the server binds
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    assert r.status == 200 and b"Cited answers" in r.read()
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the UI never answered")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_busy_port_is_a_clear_error(tmp_path, embeddings, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = Settings(corpus_dir=DEFAULT_CORPUS, data_dir=tmp_path / "data")
        code = main(["--port", str(port), "--no-ingest"], settings=settings)
    assert code == 3
    err = capsys.readouterr().err
    assert f"cannot serve on http://127.0.0.1:{port}" in err and "GRADIO_SERVER_PORT" in err


def local_app(**hosts):
    """A one-route app behind `LocalOnly`, as `launch` configures it."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from app.web.serve import LocalOnly, allowed_hosts

    ok = lambda request: PlainTextResponse("ok")
    return Starlette(routes=[Route("/", ok), Route("/gradio_api/upload", ok, methods=["POST"])],
                     middleware=[Middleware(LocalOnly, hosts=allowed_hosts(Settings(), **hosts))])


def test_requests_for_another_host_name_are_refused():
    from starlette.testclient import TestClient

    client = TestClient(local_app())
    for host in ("127.0.0.1:7860", "localhost:7860", "LOCALHOST", "[::1]:7860"):
        assert client.get("/", headers={"host": host}).status_code == 200, host
    for host in ("attacker.example:7860", "127.0.0.1.attacker.example", "", "0x7f.1"):
        refused = client.get("/", headers={"host": host})
        assert refused.status_code == 421 and "ALLOWED_HOSTS" in refused.text, host
    deployed = TestClient(local_app(extra=["chat.example.org"]))
    assert deployed.get("/", headers={"host": "chat.example.org"}).status_code == 200


def test_pages_cannot_be_framed_or_post_from_another_origin():
    from starlette.testclient import TestClient

    client = TestClient(local_app(), base_url="http://127.0.0.1:7860")
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    post = lambda **h: client.post("/gradio_api/upload", headers=h)
    for origin in ("http://attacker.example", "null", "http://127.0.0.1:9999"):
        refused = post(origin=origin)
        assert refused.status_code == 403 and "another site" in refused.text, origin
    assert post(origin="http://127.0.0.1:7860").status_code == 200  # the app's own page
    assert post().status_code == 200  # an API client sends no Origin
