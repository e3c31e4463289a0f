"""The Documents and Evaluate tabs in a real browser: Playwright driving Debian's Chromium
over the app with the real model (a document must become answerable, then stop being so).

The tests share one page and run in order: bad uploads refused, a good and a bad file
together, the new document answered in the chat, then deleted and declined; then the
phone layout and axe's accessibility checks. Screenshots go to `screenshots/`.
"""

from __future__ import annotations

import json

import pytest

from ingest.store import open_store
from tests.web.axe import describe, violations
from tests.web.test_browser import ARGS, CHROMIUM, SHOTS, ask, last_reply, open_app, shot

FROG = "zorvian-frogs.md"
FROG_DOC = """# Zorvian glass frogs

The Zorvian glass frog of Lake Tembe sings only during the first frost of autumn.

Its eggs hatch after eleven days under floating reeds.
"""
FROG_QUESTION = "When does the Zorvian glass frog of Lake Tembe sing?"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's chromium: `make test` installs it")


@pytest.fixture(scope="module")
def browser_page(ui_app):
    """A desktop-size page on the app; confirmation dialogs are accepted and recorded, and
    any request to anything but the app is aborted and recorded."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = open_app(browser.new_page(viewport={"width": 1400, "height": 950}), ui_app.url,
                        accept_dialogs=True)
        page.browser_ = browser
        yield page
        browser.close()


def documents_tab(page) -> None:
    page.get_by_role("tab", name="Documents").click()
    page.locator("#docs table").wait_for()


def add(page, files: list, *, wait_for: str) -> str:
    """Upload `files` ((name, bytes) pairs) into the Documents tab; the result's text once
    it mentions `wait_for`."""
    payload = [{"name": name, "mimeType": "application/octet-stream", "buffer": data}
               for name, data in files]
    page.locator("#upload input[type=file]").set_input_files(payload)
    page.locator("#ingest-summary").get_by_text(wait_for).first.wait_for()
    return page.locator("#ingest-summary").inner_text()


def folder_and_index(settings) -> tuple[list[str], dict]:
    store = open_store(settings)
    return sorted(p.name for p in settings.corpus_dir.iterdir()), \
        {s: (r.sha256, r.chunks) for s, r in store.file_records().items()}


def assert_upload_widget_empty(page) -> None:
    upload = page.locator("#upload")
    upload.get_by_text("Drop File Here").wait_for()
    assert upload.locator("table, .file-preview").count() == 0


def test_bad_uploads_are_refused_with_their_reason_and_nothing_is_added(browser_page, ui_app):
    page = browser_page
    documents_tab(page)
    before = folder_and_index(ui_app.settings)
    text = add(page, [("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40),
                      ("empty.txt", b""), ("tool.exe", b"MZ\x90\x00\x03")],
               wait_for="3 refused")
    assert "photo.txt: binary content, not text" in text
    assert "empty.txt: empty file" in text
    assert "tool.exe: unsupported file type" in text
    assert page.locator("#ingest-summary .qa-item-bad").count() == 3
    assert folder_and_index(ui_app.settings) == before
    assert_upload_widget_empty(page)


def test_good_and_bad_file_together_the_good_one_is_indexed_the_bad_one_reported(
        browser_page, ui_app):
    page = browser_page
    text = add(page, [(FROG, FROG_DOC.encode()), ("junk.txt", b"\x00\x01\x02\x03" * 64)],
               wait_for="1 added and indexed")
    summary = page.locator("#ingest-summary")
    assert summary.locator(".qa-item-ok").count() == 1 and f"{FROG}: indexed" in text
    assert summary.locator(".qa-item-bad").count() == 1 and "junk.txt: binary content" in text
    # only the bad line is red: the headline and the good line are not
    red = "rgb(153, 27, 27)"
    assert summary.locator(".qa-head").evaluate("e => getComputedStyle(e).color") != red
    assert summary.locator(".qa-bad").count() == 0
    row = page.locator("#docs tr", has=page.locator(f'[data-open="{FROG}"]'))
    assert "Zorvian glass frogs" in row.inner_text() and "indexed" in row.inner_text()
    assert (ui_app.settings.corpus_dir / FROG).exists()
    assert not (ui_app.settings.corpus_dir / "junk.txt").exists()
    assert_upload_widget_empty(page)
    shot(page, "documents-added")


def test_an_added_document_is_answered_from_in_the_chat(browser_page):
    page = browser_page
    page.get_by_role("tab", name="Chat").click()
    ask(page, FROG_QUESTION)
    reply = last_reply(page)
    assert reply.locator("a.qa-marker").count() >= 1 and "first frost" in reply.inner_text()
    assert FROG in page.locator("#sources").inner_text()


def test_a_document_opens_from_the_list(browser_page):
    page = browser_page
    documents_tab(page)
    page.locator(f'#docs [data-open="{FROG}"]').click()
    page.locator("#doc-viewer").get_by_text("eleven days under floating reeds").wait_for()


def test_a_deleted_document_is_gone_and_questions_about_it_are_declined(browser_page, ui_app):
    page = browser_page
    documents_tab(page)
    page.locator(f'#docs [data-delete="{FROG}"]').click()
    page.locator("#ingest-summary").get_by_text("questions are no longer answered from it").wait_for()
    assert page.dialogs and FROG in page.dialogs[-1]  # asked first
    assert page.locator(f'#docs [data-open="{FROG}"]').count() == 0
    assert not (ui_app.settings.corpus_dir / FROG).exists()
    assert FROG not in open_store(ui_app.settings).file_records()
    shot(page, "documents-deleted")
    page.get_by_role("tab", name="Chat").click()
    ask(page, FROG_QUESTION)
    assert last_reply(page).locator(".qa-label-decline").is_visible()
    assert FROG not in page.locator("#sources").inner_text()


def test_on_a_phone_documents_are_readable_cards(browser_page, ui_app):
    page = open_app(browser_page.browser_.new_page(viewport=PHONE), ui_app.url)
    try:
        documents_tab(page)
        rows = page.locator("#docs tbody tr")
        assert rows.count() >= 3
        for i in range(rows.count()):
            card = rows.nth(i).bounding_box()
            title = rows.nth(i).locator(".qa-doc-title").bounding_box()
            assert card["width"] > 300 and title["width"] > 250  # one card across the screen
            assert rows.nth(i).locator(".qa-delete").is_visible()
        assert page.locator("#docs thead").bounding_box()["width"] <= 1  # headers only for readers
        label = rows.first.locator(".qa-doc-meta").first.evaluate(
            "e => getComputedStyle(e, '::before').content")
        assert label == '"Passages: "'  # each figure says what it is
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]  # nothing runs off the side
        page.wait_for_timeout(400)
        page.screenshot(path=str(SHOTS / "documents-phone.png"), full_page=True)
        found = violations(page)
        assert found == [], describe(found)
    finally:
        page.close()


def test_axe_finds_no_serious_violation_on_documents_and_evaluate(browser_page, tmp_path):
    page = browser_page
    documents_tab(page)
    found = violations(page)
    assert found == [], describe(found)
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#run-eval").wait_for()
    found = violations(page)
    assert found == [], describe(found)
    cases = tmp_path / "few.jsonl"
    cases.write_text(json.dumps({"id": "s", "question": "What is serotonin syndrome?",
                                 "expect": "answer"}) + "\n", encoding="utf-8")
    page.locator("#cases input[type=file]").set_input_files(str(cases))
    page.locator("#run-eval").click()
    page.locator("#eval-files a[download='report.html']").wait_for()
    found = violations(page)  # with the figures and the download list shown
    assert found == [], describe(found)
    shot(page, "evaluate-results")
    assert page.leaked == []
