"""Load on the chat UI: concurrent gradio_client users against a running app process.

The app runs as `python -m app.serve --no-ingest` over the default corpus (ingested
first into a temporary folder). USERS threads, each with its own client, ask the
questions of eval/questions.jsonl in turn through the `/ask` endpoint for SECONDS;
the report gives requests served, latency p50/p95 and errors. A second app with
`UI_QUEUE_SIZE=QUEUE` then gets BURST questions at once, to show what happens past
the queue's maximum size: answers, Gradio's "Queue is full" (`QueueError`), and
anything else (target 0). Peak RSS is the app process's VmHWM. Reports numbers and
asserts nothing (this is not a test).

    $ python bench/load_bench.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from gradio_client import Client  # noqa: E402
from gradio_client.utils import QueueError  # noqa: E402

from app.settings import Settings  # noqa: E402
from bench.answer_bench import percentile  # noqa: E402
from ingest.index import ingest  # noqa: E402

USERS = 20
SECONDS = 60
QUEUE = 5
BURST = 30


def start_app(data: Path, port: int, **env: str) -> tuple[subprocess.Popen, float]:
    """The app process, and seconds from its start until it serves the page."""
    environ = {**os.environ, "CORPUS_DIR": str(PROJECT / "corpus"), "DATA_DIR": str(data),
               "GRADIO_SERVER_PORT": str(port), **env}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "app.serve", "--no-ingest"], cwd=PROJECT,
                            env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - started < 300:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return proc, time.perf_counter() - started
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the app did not start")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def users(url: str, questions: list[str]) -> tuple[list[float], list[str]]:
    latencies, errors, lock = [], [], threading.Lock()
    deadline = time.monotonic() + SECONDS

    def user(offset: int) -> None:
        client = Client(url, verbose=False, download_files=False)
        i = offset
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                client.predict(questions[i % len(questions)], [], api_name="/ask")
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
            except Exception as exc:  # noqa: BLE001 - every failure is counted
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}"[:120])
            i += USERS
        client.close()

    threads = [threading.Thread(target=user, args=(k,)) for k in range(USERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def burst(url: str, question: str) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    clients = [Client(url, verbose=False, download_files=False) for _ in range(BURST)]
    jobs = [c.submit(question, [], api_name="/ask") for c in clients]
    for job in jobs:
        try:
            job.result(timeout=300)
            key = "answered"
        except QueueError:
            key = "busy (Queue is full)"
        except Exception as exc:  # noqa: BLE001
            key = f"other: {type(exc).__name__}"
        outcomes[key] = outcomes.get(key, 0) + 1
    for c in clients:
        c.close()
    return outcomes


def run() -> list[tuple[str, str]]:
    from tests.conftest import free_port

    lines = (PROJECT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        ingest(Settings(corpus_dir=PROJECT / "corpus", data_dir=Path(tmp)))
        port = free_port()
        proc, ready = start_app(Path(tmp), port)
        try:
            latencies, errors = users(f"http://127.0.0.1:{port}/", questions)
            rss = peak_rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        port = free_port()
        proc, _ = start_app(Path(tmp), port, UI_QUEUE_SIZE=str(QUEUE), UI_CONCURRENCY="1")
        try:
            outcomes = burst(f"http://127.0.0.1:{port}/", questions[0])
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    served = len(latencies)
    return [
        ("cold start: `python -m app.serve --no-ingest` to the page served", f"{ready:.2f} s"),
        (f"load: {USERS} users for {SECONDS} s through gradio_client, requests served",
         f"{served} ({served / SECONDS:.1f}/s)"),
        ("load: latency p50 / p95 (queue wait included)",
         f"{percentile(latencies, 0.5):.0f} ms / {percentile(latencies, 0.95):.0f} ms"
         if latencies else "–"),
        ("load: errors", f"{len(errors)}" + (f" (first: {errors[0]})" if errors else "")),
        ("app peak RSS during the load", f"{rss:.0f} MiB"),
        (f"past the queue: {BURST} questions at once, UI_QUEUE_SIZE={QUEUE}, UI_CONCURRENCY=1",
         ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))),
    ]


if __name__ == "__main__":
    for measure, value in run():
        print(f"| {measure} | {value} |")
