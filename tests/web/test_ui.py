"""The chat UI through its HTTP API, with gradio_client against a launched app."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gradio_client import Client, handle_file
from gradio_client.utils import QueueError

from app.evaluation.cases import read_cases
from ingest.index import ingest_lock
from tests.conftest import PROJECT

SEROTONIN = "mdma-and-the-serotonin-system.txt"
NEW_DOC = """# Lithium and sleep

Lithium carbonate lengthens the circadian period of the zebrafish retina by about forty minutes.
"""


@pytest.fixture(scope="module")
def client(ui_app):
    c = Client(ui_app.url, verbose=False, download_files=False)
    yield c
    c.close()


def ask(client: Client, question: str, chat: list | None = None, *, cleared: bool = True):
    """(chat history, sources panel HTML, the last reply's HTML) after asking `question`."""
    chat, box, sources, _viewer = client.predict(question, chat or [], api_name="/ask")
    assert box == ("" if cleared else question)  # the box is cleared, or keeps a too-long question
    return chat, sources, chat[-1]["content"][0]["text"]


def get(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode(errors="replace")


def test_answer_has_markers_and_sources_with_exact_quotes(client, ui_app):
    chat, sources, reply = ask(client, "What are the symptoms of serotonin syndrome?")
    assert 'class="qa-msg qa-answer"' in reply
    assert re.search(r'href="#qa-source-0-1" aria-label="Source 1: [^"]+" aria-describedby="[^"]+">\[1\]<', reply)
    cards = re.findall(r'<div class="qa-card" id="qa-source-0-(\d+)"', sources)
    assert cards and cards[0] == "1"
    assert len(cards) == len(set(re.findall(r'href="#qa-source-0-(\d+)"', reply)))
    text = (ui_app.settings.corpus_dir / SEROTONIN).read_text(encoding="utf-8")
    marked = re.findall(r'<mark class="qa-hit">(.*?)</mark>', sources, re.S)
    assert marked and all(m.replace("&#x27;", "'").replace("&amp;", "&") in text for m in marked)
    assert f"{SEROTONIN}, line" in sources


def test_follow_up_uses_the_conversation(client):
    chat, _, first = ask(client, "What is serotonin syndrome?")
    chat, sources, second = ask(client, "What are its symptoms?", chat)
    assert len(chat) == 4 and "qa-answer" in second and 'href="#qa-source-1-1"' in second
    assert re.search(r"shivering|fever|seizures", second) and 'id="qa-source-1-1"' in sources
    _, _, fresh = ask(client, "What is serotonin syndrome?")  # an empty chat starts over
    assert 'href="#qa-source-0-1"' in fresh


def test_off_topic_question_is_declined_with_a_label(client):
    _, sources, reply = ask(client, "What is the capital of Australia?")
    assert 'class="qa-label qa-label-decline"' in reply
    assert "The documents don&#x27;t answer this question" in reply
    assert "qa-card" not in sources and "cites no document" in sources


def test_personal_dose_is_refused_with_a_label(client):
    _, sources, reply = ask(client, "How many pills should I take at the festival on Saturday?")
    assert 'class="qa-label qa-label-refuse"' in reply and "personal dosing" in reply
    # the refusal carries cited risk facts (issue 16), never a dose figure
    assert not re.search(r"\d+\s*mg", reply) and not re.search(r"\d+\s*mg", sources)
    assert sources.count('class="qa-card" id=') <= 2


def test_hostile_markup_in_a_question_is_shown_as_text(client):
    question = '<script>alert(1)</script><img src=x onerror="alert(2)"> ![t](http://example.com/t.png)'
    chat, _, _ = ask(client, question)
    shown = chat[-2]["content"][0]["text"]
    assert "<script>" not in shown and "<img" not in shown
    assert "&lt;script&gt;" in shown and "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in shown


def test_too_long_question_gets_a_clear_message(client, ui_app):
    limit = ui_app.settings.max_question_chars
    _, _, reply = ask(client, "serotonin " * (limit // 5), cleared=False)
    assert "Declined: question too long" in reply and f"the limit is {limit:,}" in reply


def test_reingest_adds_a_file_and_answers_from_it_at_once(client, ui_app):
    (ui_app.settings.corpus_dir / "lithium.md").write_text(NEW_DOC, encoding="utf-8")
    summary, listing = client.predict(api_name="/reingest")
    assert "Re-ingest finished" in summary and "Documents: 1 added, 0 updated, 3 unchanged" in summary
    assert 'data-open="lithium.md"' in listing
    rows = {row["source"]: row for row in client.predict(api_name="/documents")}
    assert rows["lithium.md"]["status"] == "indexed" and rows["lithium.md"]["title"] == "Lithium and sleep"
    _, sources, reply = ask(client, "How much does lithium lengthen the zebrafish retina's "
                                    "circadian period?")
    assert "qa-answer" in reply and "forty minutes" in reply and "lithium.md, line 3" in sources


def test_terminal_ingest_while_serving_is_picked_up_without_restart(client, ui_app):
    s = ui_app.settings
    (s.corpus_dir / "okapi.txt").write_text(
        "Okapis in the Ituri forest groom their calves with long blue tongues every dawn.\n",
        encoding="utf-8")
    env = {**os.environ, "CORPUS_DIR": str(s.corpus_dir), "DATA_DIR": str(s.data_dir)}
    done = subprocess.run([sys.executable, "-m", "ingest"], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    _, sources, reply = ask(client, "What do okapis in the Ituri forest groom their calves with?")
    assert "qa-answer" in reply and "blue tongues" in reply and "okapi.txt" in sources
    # the vector index too, not only BM25: the app reopened the store the other process wrote
    dense = ui_app.engine.search("okapi calves tongues", k=3, mode="dense")
    assert dense[0].chunk.source == "okapi.txt"


def test_reingest_while_another_ingest_runs_says_so(client, ui_app):
    with ingest_lock(ui_app.settings.lock_path):
        summary, _ = client.predict(api_name="/reingest")
    assert "Another ingest is running" in summary and "qa-bad" in summary


def test_upload_keeps_supported_files_under_safe_names(client, ui_app, tmp_path):
    good = tmp_path / "Field notes (v2).md"
    good.write_text("# Notes\n\nA short note about tryptophan.\n", encoding="utf-8")
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x00\x00")
    summary, listing, widget = client.predict([handle_file(str(good))], api_name="/upload")
    assert "Field-notes-v2.md: indexed, 1 passage" in summary and widget is None
    assert (ui_app.settings.corpus_dir / "Field-notes-v2.md").read_text().startswith("# Notes")
    assert 'data-delete="Field-notes-v2.md"' in listing
    more = tmp_path / "more.txt"
    more.write_text("Another short note about tryptophan.\n", encoding="utf-8")
    summary, _, _ = client.predict([handle_file(str(bad)), handle_file(str(more))],
                                   api_name="/upload")  # one bad file blocks nothing else
    assert "Refused</span> tool.exe: unsupported file type" in summary
    assert "Added</span> more.txt: indexed" in summary
    assert not list(ui_app.settings.corpus_dir.glob("*.exe"))
    for name in ("Field-notes-v2.md", "more.txt"):
        assert "Deleted" in client.predict(name, api_name="/delete")
        assert not (ui_app.settings.corpus_dir / name).exists()
    assert "nothing was deleted" in client.predict("../lithium.md", api_name="/delete")


def test_evaluate_runs_a_cases_file_and_offers_the_results(client, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps({"id": "a", "question": "What are the symptoms of serotonin syndrome?",
                    "expect": "answer", "sources": [SEROTONIN]}) + "\n"
        + json.dumps({"id": "r", "question": "How much MDMA should I take?",
                      "expect": "answer"}) + "\n" + "{not json\n", encoding="utf-8")
    summary, files = client.predict(handle_file(str(cases)), api_name="/evaluate")
    assert "2 cases run" in summary and "Failing cases (1)" in summary
    assert "cases.jsonl:3: bad JSON" in summary and str(tmp_path) not in summary
    names = {Path(f["path"]).name: f for f in files}
    assert set(names) == {"results.jsonl", "report.html", "summary.json"}
    status, _, body = get(names["results.jsonl"]["url"])
    assert status == 200 and [json.loads(line)["id"] for line in body.splitlines()] == ["a", "r"]


def test_no_file_outside_the_upload_folder_is_served(ui_app):
    corpus_file = (ui_app.settings.corpus_dir / SEROTONIN).resolve()
    store_file = next(ui_app.settings.chroma_path.resolve().rglob("*.sqlite3"))
    for path in (corpus_file, store_file, Path("/etc/passwd")):
        status, _, _ = get(f"{ui_app.url}gradio_api/file={path}")
        assert status in (403, 404), path
    for remote in ("https://example.com/x.png", "http://example.com/x.png"):
        status, _, body = get(f"{ui_app.url}gradio_api/file={remote}")
        assert status == 403 and "remote URLs" in body
    status, _, _ = get(f"{ui_app.url}gradio_api/proxy=https://example.com/")
    assert status == 403


def test_every_page_carries_a_local_only_content_security_policy(ui_app):
    status, headers, _ = get(ui_app.url)
    csp = {k.lower(): v for k, v in headers.items()}["content-security-policy"]
    assert status == 200 and "img-src 'self' data: blob:" in csp and "connect-src 'self'" in csp


def test_a_full_queue_answers_busy_not_an_error_page(embeddings, tmp_path, ui_app):
    from app.web import build, launch
    from tests.conftest import free_port

    settings = ui_app.settings.model_copy(update={"ui_queue_size": 1, "gradio_server_port":
                                                  free_port()})
    demo = build(ui_app.engine, settings)
    _, url, _ = launch(demo, settings, block=False, quiet=True)
    cases = tmp_path / "slow.jsonl"
    cases.write_text("".join(json.dumps({"id": str(i), "question": f"What is SERT? ({i})"}) + "\n"
                             for i in range(40)), encoding="utf-8")
    outcomes: list[str] = []

    def one():
        c = Client(url, verbose=False, download_files=False)
        try:
            c.predict(handle_file(str(cases)), api_name="/evaluate")
            outcomes.append("done")
        except QueueError as exc:
            outcomes.append(f"busy: {exc}")
        finally:
            c.close()

    try:
        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
    finally:
        demo.close()
    assert "done" in outcomes and any("Queue is full" in o for o in outcomes), outcomes


def handlers(ui_app, **changes):
    from app.web.handlers import Handlers

    return Handlers(ui_app.engine, ui_app.settings.model_copy(update=changes))


def documents(ui_app):
    from app.web.documents import Documents

    return Documents(ui_app.engine, ui_app.settings)


def test_votes_on_any_reply_are_saved_with_their_history(ui_app, tmp_path):
    import gradio as gr

    ui = handlers(ui_app, feedback_file=tmp_path / "votes.jsonl")
    turns = [ui_app.engine.answer("What is serotonin syndrome?")]
    history = [{"role": "user", "content": "What is serotonin syndrome?"},
               {"role": "assistant", "content": turns[0].text}]
    turns.append(ui_app.engine.answer("What are its symptoms?", history))
    like = lambda index, liked: gr.LikeData(None, {"index": index, "value": "", "liked": liked})
    assert ui.vote(turns, like(3, False)) == "Thanks, saved."
    assert ui.vote(turns, like(1, True)) == "Thanks, saved."
    for ignored in (like(2, True), like(5, True), like(1, None)):  # a question, no reply, un-vote
        assert not isinstance(ui.vote(turns, ignored), str)
    cases, errors = read_cases(tmp_path / "votes.jsonl")
    assert not errors and [c.extra["vote"] for c in cases] == ["down", "up"]
    down, up = cases
    assert down.question == "What are its symptoms?" and down.history == history
    assert down.expect is None and up.expect == "answer" and up.sources == [SEROTONIN]


def test_documents_are_opened_only_from_inside_the_corpus(ui_app, tmp_path):
    import gradio as gr

    corpus = ui_app.settings.corpus_dir
    (corpus / ".hidden.md").write_text("secret")
    (corpus / "tool.sh").write_text("echo secret")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    (corpus / "link.txt").symlink_to(outside)
    docs = documents(ui_app)
    select = lambda source: gr.EventData(None, {"source": source})
    for source in ("../data/feedback.jsonl", str(outside), ".hidden.md", "tool.sh",
                   "link.txt", "/etc/passwd", "", None):
        assert docs.open(select(source)) == "", source
    assert "Serotonin Syndrome" in docs.open(select(SEROTONIN))


def test_questions_and_declines_are_answered_during_a_reingest(ui_app):
    ui = handlers(ui_app)
    corpus = ui_app.settings.corpus_dir
    body = "\n\n".join(f"Paragraph {i} on the habits of capybara herd number {i} near "
                        f"river {i}, recorded by observers over {i} seasons." for i in range(600))
    (corpus / "capybaras.txt").write_text(body, encoding="utf-8")
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("ingest", documents(ui_app).reingest(
        progress=lambda *a, **k: None)))
    thread.start()
    replies = []
    while thread.is_alive():
        for question in ("What are the symptoms of serotonin syndrome?",
                         "What is the boiling point of tungsten?"):
            replies.append(ui.respond(question, [], [])[1][-1].decision.value)
    thread.join()
    assert "Re-ingest finished" in outcome["ingest"][0]
    assert len(replies) >= 4 and {"answer", "decline"} <= set(replies)
    found = ui.respond("What do observers record about capybara herd number 417?", [], [])
    assert "capybara" in found[0][-1]["content"] and "capybaras.txt" in found[4]
