"""The chat UI in a real browser: Playwright driving Debian's Chromium.

`make test` installs the `chromium` package when it is missing. Every request the
page makes to anything but the app is aborted and recorded, so a test can prove
that nothing left the machine. Screenshots go to `screenshots/` (git-ignored).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import PROJECT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = PROJECT / "screenshots"
WAIT = 60_000  # ms; answers take well under a second, but CI machines are small
HOSTILE_DOC = """# Tryptophan notes

Tryptophan is the amino acid the body makes serotonin from <script>window.__pwned = 1</script> in two steps.

Kynurenine is the other main product of tryptophan <img src=http://example.com/px.png onerror="window.__pwned = 2"> in the liver.

![tracker](http://example.com/tracker.png) Tryptophan depletion lowers brain serotonin within hours.
"""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's chromium: `make test` installs it")


@pytest.fixture(scope="module")
def browser_page(ui_app):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield open_app(browser.new_page(viewport={"width": 1400, "height": 950}), ui_app.url)
        browser.close()


def open_app(page, url: str, *, accept_dialogs: bool = False):
    """`page` on the app at `url`, ready for questions. Every request to anything but the
    app is aborted and recorded in `page.leaked`; confirmation dialogs are recorded in
    `page.dialogs`, then dismissed (or accepted)."""
    page.set_default_timeout(WAIT)
    page.leaked, page.dialogs = [], []
    local = url.rstrip("/")
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
        (local, "data:", "blob:")) else (page.leaked.append(route.request.url), route.abort()))
    page.on("dialog", lambda d: (page.dialogs.append(d.message),
                                 d.accept() if accept_dialogs else d.dismiss()))
    page.goto(url, wait_until="load")
    page.wait_for_selector("#box textarea")
    return page


def ask(page, question: str) -> None:
    """Type `question`, send it, and wait for the reply to it."""
    before = page.locator("#chat [data-testid='bot']").count()
    page.fill("#box textarea", question)
    page.press("#box textarea", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll(\"#chat [data-testid='bot']\").length > n", arg=before)


def last_reply(page):
    return page.locator("#chat [data-testid='bot']").last


def shot(page, name: str) -> None:
    page.wait_for_timeout(400)  # let Gradio's pending-output fade finish
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_first_visit_shows_example_questions(browser_page):
    page = browser_page
    page.get_by_text("Try asking").wait_for()
    page.locator("#examples button.qa-suggest").first.wait_for()
    shot(page, "1-first-visit")


def test_answer_shows_markers_and_its_quote_in_the_sources_panel(browser_page):
    page = browser_page
    ask(page, "What are the symptoms of serotonin syndrome?")
    reply = last_reply(page)
    assert reply.locator("a.qa-marker", has_text="[1]").count() == 1
    card = page.locator("#sources .qa-card").first
    quote = card.locator("mark.qa-hit")
    assert quote.is_visible() and len(quote.inner_text()) > 20
    assert "mdma-and-the-serotonin-system.txt, line" in card.locator(".qa-where").inner_text()
    shot(page, "2-answer-with-sources")


def test_clicking_a_citation_shows_the_quote_highlighted_in_its_document(browser_page):
    page = browser_page
    quote = page.locator("#sources .qa-card").first.locator("mark.qa-hit").inner_text()
    page.locator("#sources [data-cite='1']").click()
    hit = page.locator("#viewer mark.qa-hit")
    hit.wait_for(state="visible")
    assert hit.inner_text() == quote
    assert len(page.locator("#viewer pre").inner_text()) > 5 * len(quote)  # the whole document
    # scrolled into view inside the viewer's scroll box and the window
    page.wait_for_function("""() => {
        const m = document.querySelector('#viewer mark.qa-hit'), r = m.getBoundingClientRect();
        let box = m.parentElement;
        while (box && !(box.scrollHeight > box.clientHeight + 1 &&
               ['auto', 'scroll'].includes(getComputedStyle(box).overflowY))) box = box.parentElement;
        const b = box ? box.getBoundingClientRect() : {top: 0, bottom: innerHeight};
        return r.top >= Math.max(0, b.top) && r.bottom <= Math.min(innerHeight, b.bottom);
    }""")
    shot(page, "3-document-viewer")


def test_clicking_a_marker_in_an_earlier_reply_opens_that_reply_s_citation(browser_page):
    page = browser_page
    first = page.locator("#chat [data-testid='bot']").first
    wanted = page.locator("#sources .qa-card").nth(1).locator("mark.qa-hit").inner_text()
    ask(page, "What is the serotonin transporter?")
    page.get_by_role("tab", name="Sources").click()
    assert wanted not in page.locator("#sources").inner_text()  # now the new reply's sources
    first.locator("a.qa-marker", has_text="[2]").click()
    hit = page.locator("#viewer mark.qa-hit")
    hit.wait_for(state="visible")
    page.wait_for_function("q => document.querySelector('#viewer mark.qa-hit').innerText === q",
                           arg=wanted)
    page.get_by_role("tab", name="Sources").click()
    assert wanted in page.locator("#sources").inner_text()  # the panel follows the marker
    shot(page, "3b-marker-click")


def test_thumbs_up_appends_an_eval_case_to_the_feedback_file(browser_page, ui_app):
    from app.evaluation.cases import read_cases

    page = browser_page
    page.locator("#chat button[aria-label='Like']").first.click()  # under the first reply
    page.locator("#vote-note").get_by_text("Thanks, saved.").wait_for()
    cases, errors = read_cases(ui_app.settings.feedback_path)
    assert not errors and cases[-1].question == "What are the symptoms of serotonin syndrome?"
    assert cases[-1].expect == "answer" and cases[-1].extra["vote"] == "up"


def test_personal_dose_question_shows_the_refusal_label(browser_page):
    page = browser_page
    ask(page, "I weigh 60 kg, how many mg should I take for my first time?")
    label = last_reply(page).locator(".qa-label-refuse")
    assert label.is_visible() and label.inner_text().startswith("Refused")
    cards = page.locator("#sources .qa-card")  # the cited risk facts, if any: never a dose figure
    assert cards.count() <= 2
    assert not any(re.search(r"\d+\s*mg", cards.nth(i).inner_text()) for i in range(cards.count()))
    shot(page, "4-refusal")


def test_off_topic_question_shows_the_decline_label(browser_page):
    page = browser_page
    ask(page, "Who won the football world cup in 1998?")
    label = last_reply(page).locator(".qa-label-decline")
    assert label.is_visible() and label.inner_text().startswith("Declined")
    assert "You could ask, for example" in last_reply(page).inner_text()
    shot(page, "5-decline")


def test_hostile_markup_in_a_question_renders_as_text(browser_page):
    page = browser_page
    question = ('<script>window.__pwned = 3</script> <img src="http://example.com/q.png" '
                'onerror="window.__pwned = 4"> ![x](http://example.com/md.png) what is SERT?')
    ask(page, question)
    mine = page.locator("#chat [data-testid='user']").last
    assert "<script>window.__pwned = 3</script>" in mine.inner_text()
    assert mine.locator("img").count() == 0 and mine.locator("script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.leaked == [] and page.dialogs == []


def test_reingest_button_shows_the_summary_and_hostile_documents_stay_inert(browser_page,
                                                                            ui_app):
    page = browser_page
    (ui_app.settings.corpus_dir / "tryptophan.md").write_text(HOSTILE_DOC, encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#reingest").click()
    summary = page.locator("#ingest-summary")
    summary.get_by_text("Re-ingest finished").wait_for()
    assert "1 added" in summary.inner_text()
    page.locator("#docs").get_by_text("tryptophan.md", exact=True).first.wait_for()
    shot(page, "6-documents-reingested")
    page.get_by_role("tab", name="Chat").click()
    ask(page, "Which amino acid does the body make serotonin from?")
    assert "Tryptophan" in last_reply(page).inner_text()
    page.locator("#sources [data-cite='1']").click()
    page.locator("#viewer mark.qa-hit").wait_for(state="visible")
    document = page.locator("#viewer pre").inner_text()
    assert "<script>window.__pwned = 1</script>" in document
    assert "![tracker](http://example.com/tracker.png)" in document
    assert page.locator("#viewer img, #viewer script, #sources img").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert page.leaked == [] and page.dialogs == []
    shot(page, "7-hostile-document-inert")


def test_evaluate_tab_runs_an_uploaded_cases_file(browser_page, tmp_path):
    page = browser_page
    cases = tmp_path / "mine.jsonl"
    cases.write_text(json.dumps({"id": "s", "question": "What is serotonin syndrome?",
                                 "expect": "answer"}) + "\n", encoding="utf-8")
    page.get_by_role("tab", name="Evaluate").click()
    page.locator("#cases input[type=file]").set_input_files(str(cases))
    page.locator("#cases").get_by_text("mine.jsonl").wait_for()
    page.locator("#run-eval").click()
    page.locator("#eval-summary").get_by_text("1 cases run").wait_for()
    page.locator("#eval-files a[download='report.html']").wait_for()
    assert page.locator("#eval-files a[download='results.jsonl']").is_visible()
    shot(page, "8-evaluate")
    assert page.leaked == []
