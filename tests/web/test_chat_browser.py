"""The chat of issue 17 in a real browser (Debian's Chromium), at desktop and phone sizes:
copy, conversations kept in the browser, clickable suggestions, plain-word labels, the
phone's own sources under each reply, accessibility (axe-core, `tests/web/axe.py`).

Each size is one browser context for the module, so its local storage (the saved
conversations) carries from one test to the next, in file order. Every request to
anything but the app is aborted and recorded. Screenshots go to `screenshots/`.
"""

from __future__ import annotations

import json
import re

import pytest

from app.evaluation.cases import read_cases
from app.web.export import reply_text
from ingest.corpus import source_text
from tests.web.axe import describe, violations
from tests.web.test_browser import ARGS, CHROMIUM, SHOTS, open_app

DESKTOP = {"width": 1400, "height": 950}
PHONE = {"width": 390, "height": 844}
SYMPTOMS = "What are the symptoms of serotonin syndrome?"
OFF_TOPIC = "Who won the football world cup in 1998?"
DOSING = "I weigh 60 kg, how many mg should I take for my first time?"
BOT = "#chat [data-testid='bot']"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason="needs Debian's chromium: `make test` installs it")]


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def open_page(chromium, ui_app, viewport):
    context = chromium.new_context(viewport=viewport, accept_downloads=True,
                                   permissions=["clipboard-read", "clipboard-write"])
    return context, open_app(context.new_page(), ui_app.url)


@pytest.fixture(scope="module")
def desktop(chromium, ui_app):
    context, page = open_page(chromium, ui_app, DESKTOP)
    yield page
    assert page.leaked == []
    context.close()


@pytest.fixture(scope="module")
def phone(chromium, ui_app):
    context, page = open_page(chromium, ui_app, PHONE)
    yield page
    assert page.leaked == []
    context.close()


def replies(page) -> int:
    return page.locator(BOT).count()


def wait_for_reply(page, before: int) -> None:
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[BOT, before])
    page.wait_for_timeout(300)  # the record's round trip to local storage


def ask(page, question: str) -> None:
    before = replies(page)
    page.get_by_role("textbox", name="Question").fill(question)
    page.get_by_role("textbox", name="Question").press("Enter")
    wait_for_reply(page, before)


def last_reply(page):
    return page.locator(BOT).last


def shot(page, name: str, *, full: bool = False) -> None:
    page.wait_for_timeout(400)  # let Gradio's pending-output fade finish
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def saved(page) -> list[dict]:
    """The conversations in the page's local storage, newest first."""
    kept = page.evaluate("JSON.parse(localStorage.getItem('qa-conversations') || '{}')")
    return sorted(kept.values(), key=lambda c: -c["updated"])


def open_tab(page, name: str) -> None:
    tab = page.get_by_role("tab", name=name)
    if not tab.count():  # a phone: the tabs that do not fit are under "More tabs"
        page.get_by_role("button", name="More tabs").click()
        page.locator(".overflow-dropdown button", has_text=name).click()
    else:
        tab.click()


# --- desktop ---------------------------------------------------------------------------------

def test_example_questions_are_whole_and_one_click_gets_an_answer(desktop):
    page = desktop
    asks = page.locator("#examples button.qa-suggest")
    asks.first.wait_for()
    texts = [asks.nth(i).inner_text() for i in range(asks.count())]
    assert texts and all(t.endswith("?") and "…" not in t for t in texts)
    assert sum(t.startswith("What do the documents say about") for t in texts) < len(texts)
    shot(page, "chat-1-examples")
    asks.first.click()
    wait_for_reply(page, 0)
    assert page.locator("#chat [data-testid='user']").last.inner_text() == texts[0]
    assert last_reply(page).locator(".qa-answer").count() == 1


def test_copy_gives_the_reply_as_plain_text_with_its_sources(desktop, ui_app):
    page = desktop
    ask(page, SYMPTOMS)
    last_reply(page).get_by_role("button", name="Copy this reply with its sources").click()
    last_reply(page).get_by_text("Copied").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    # the reference: the engine's reply to the same question, laid out by the export
    result = ui_app.engine.answer(SYMPTOMS)
    texts = {c.source: source_text(ui_app.settings.corpus_dir, c.source) for c in result.citations}
    assert copied == reply_text(result, texts)
    assert "\nSources:\n[1] " in copied and "mdma-and-the-serotonin-system.txt, line" in copied
    assert "<" not in copied


def test_markers_are_named_by_source_and_preview_their_quote_on_hover_and_focus(desktop):
    page = desktop
    marker = last_reply(page).get_by_role("link", name=re.compile(r"^Source 1: MDMA and the Serotonin"))
    assert marker.first.inner_text().startswith("[1]")
    tip = last_reply(page).locator(".qa-marker").first.locator(".qa-tip")
    assert not tip.is_visible()
    page.keyboard.press("Escape")
    marker.first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard: :focus-visible
    tip.wait_for(state="visible")
    quote = page.locator("#sources .qa-card").first.locator("mark.qa-hit").inner_text()
    assert " ".join(quote.split())[:40] in tip.inner_text()
    shot(page, "chat-2-marker-preview")
    page.mouse.move(5, 5)
    marker.first.hover()
    assert tip.is_visible()


def test_each_reply_is_named_by_its_words_not_its_html(desktop):
    page = desktop
    messages = page.locator("#chat [data-testid='bot'], #chat [data-testid='user']")
    names = [messages.nth(i).get_attribute("aria-label") for i in range(messages.count())]
    assert names and all(n and "<" not in n and "qa-" not in n for n in names)
    assert any(n.startswith("Reply: ") for n in names) and any(n.startswith("Your question: ") for n in names)


def test_a_decline_suggestion_clicked_gets_an_answer(desktop):
    page = desktop
    ask(page, OFF_TOPIC)
    reply = last_reply(page)
    assert reply.locator(".qa-label-decline").inner_text() == "Declined: the documents don't answer this"
    asks = reply.locator("button.qa-suggest")
    assert asks.count() >= 2
    question = asks.first.inner_text()
    shot(page, "chat-3-decline-suggestions")
    before = replies(page)
    asks.first.click()
    wait_for_reply(page, before)
    assert page.locator("#chat [data-testid='user']").last.inner_text() == question
    assert last_reply(page).locator(".qa-answer").count() == 1


def test_refusal_label_says_what_kind_and_the_rule_waits_in_details(desktop):
    page = desktop
    ask(page, DOSING)
    reply = last_reply(page)
    assert reply.locator(".qa-label-refuse").inner_text() == "Refused: Personal dosing"
    why = reply.locator("details.qa-why")
    assert not why.locator("code").is_visible()
    why.locator("summary").click()
    assert re.fullmatch(r"Rule: \w+", why.locator("p").inner_text())
    shot(page, "chat-4-refusal")


def test_a_vote_says_thanks_and_nothing_else(desktop):
    page = desktop
    page.locator("#chat button[aria-label='Like']").first.click()
    note = page.locator("#vote-note")
    note.get_by_text("Thanks, saved.").wait_for()
    assert "feedback" not in note.inner_text() and ".jsonl" not in note.inner_text()


def test_a_too_long_question_stays_in_the_box_with_the_message(desktop, ui_app):
    page = desktop
    question = "serotonin " * (ui_app.settings.max_question_chars // 5)
    ask(page, question)
    assert last_reply(page).locator(".qa-label-decline").inner_text() == "Declined: question too long"
    assert page.get_by_role("textbox", name="Question").input_value() == question
    page.get_by_role("textbox", name="Question").fill("")


def test_the_conversation_survives_a_reload(desktop):
    page = desktop
    before = replies(page)
    kept = saved(page)
    assert len(kept) == 1 and len(kept[0]["turns"]) == before
    assert kept[0]["title"] == page.locator("#chat [data-testid='user']").first.inner_text()
    page.reload(wait_until="load")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length === n", arg=[BOT, before])
    assert page.locator("#chat [data-testid='user']").nth(1).inner_text() == SYMPTOMS
    # a reopened reply cites and copies as before
    assert last_reply(page).locator(".qa-label-decline").count() == 1
    page.locator(BOT).nth(1).get_by_role("button", name="Copy this reply with its sources").click()
    assert "\nSources:\n[1] " in page.evaluate("navigator.clipboard.readText()")
    shot(page, "chat-5-after-reload", full=True)


def test_conversations_are_renamed_exported_reopened_and_deleted(desktop, tmp_path):
    page = desktop
    panel = page.locator("#conversations")
    panel.get_by_role("button", name=re.compile("^Rename ")).first.click()
    name = panel.get_by_role("textbox", name="New name for this conversation")
    name.fill("Serotonin notes")
    name.press("Enter")
    panel.get_by_role("button", name="Serotonin notes", exact=True).wait_for()
    assert saved(page)[0]["title"] == "Serotonin notes"

    with page.expect_download() as md:
        panel.get_by_role("button", name="Export “Serotonin notes” as Markdown").click()
    assert md.value.suggested_filename == "serotonin-notes.md"
    text = open(md.value.path(), encoding="utf-8").read()
    assert text.startswith("# Serotonin notes\n") and f"## {SYMPTOMS}\n" in text
    assert "**Sources**\n\n1. **MDMA and the Serotonin System" in text
    assert "*Refused: Personal dosing*" in text

    with page.expect_download() as jsonl:
        panel.get_by_role("button", name=re.compile("as evaluation cases")).click()
    cases_file = tmp_path / jsonl.value.suggested_filename
    jsonl.value.save_as(cases_file)
    assert cases_file.name == "serotonin-notes.jsonl"
    cases, errors = read_cases(cases_file)
    assert not errors and cases[0].id == "serotonin-notes-turn-1"
    by_question = {c.question: c for c in cases}
    assert by_question[SYMPTOMS].expect == "answer" and by_question[SYMPTOMS].sources
    assert by_question[DOSING].expect == "refuse" and by_question[OFF_TOPIC].expect == "decline"
    assert len(by_question[DOSING].history) > 0
    assert not any(c.question.startswith("serotonin serotonin") for c in cases)  # not read: no case

    page.locator("#new").click()
    page.wait_for_function("sel => document.querySelectorAll(sel).length === 0", arg=BOT)
    ask(page, "What is the serotonin transporter?")
    assert [c["title"] for c in saved(page)] == ["What is the serotonin transporter?", "Serotonin notes"]
    shot(page, "chat-6-conversations", full=True)

    panel.get_by_role("button", name="Serotonin notes", exact=True).click()
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length === n",
                           arg=[BOT, len(saved(page)[1]["turns"])])
    assert page.locator("#chat [data-testid='user']").nth(1).inner_text() == SYMPTOMS

    remove = panel.get_by_role("button", name="Delete “What is the serotonin transporter?”")
    remove.click()
    panel.get_by_role("button", name="Really delete “What is the serotonin transporter?”?").click()
    page.wait_for_function("() => Object.keys(JSON.parse(localStorage.getItem('qa-conversations'))).length === 1")
    assert [c["title"] for c in saved(page)] == ["Serotonin notes"]
    assert json.dumps(saved(page)).count("serotonin transporter?") == 0


@pytest.mark.parametrize("tab", ["Chat", "About"])
def test_axe_finds_no_serious_violation_on_the_desktop(desktop, tab):
    page = desktop
    if tab == "Chat":  # with an answer, its source cards and a decline's buttons in the page
        ask(page, OFF_TOPIC)
        ask(page, SYMPTOMS)
        page.locator("#sources .qa-card").first.wait_for()
    open_tab(page, tab)
    page.wait_for_timeout(300)
    found = violations(page)
    assert not found, describe(found)
    open_tab(page, "Chat")


# --- phone -------------------------------------------------------------------------------------

def test_phone_each_answer_has_its_sources_folded_right_under_it(phone):
    page = phone
    ask(page, SYMPTOMS)
    reply = last_reply(page)
    folded = reply.locator("details.qa-inline")
    assert folded.is_visible() and folded.locator("summary").inner_text().startswith("Sources (")
    assert not folded.locator(".qa-card").first.is_visible()  # folded until asked
    reply.scroll_into_view_if_needed()
    shot(page, "chat-phone-1-answer")
    reply.locator("a.qa-marker").first.click()
    card = reply.locator(".qa-inline .qa-card").first
    card.wait_for(state="visible")
    page.wait_for_timeout(700)  # smooth scrolling
    box, view = card.bounding_box(), page.viewport_size
    assert 0 <= box["y"] < view["height"]  # in sight: no jump to a panel a screen away
    hit, passage = card.locator("mark.qa-hit").bounding_box(), card.locator(".qa-passage").bounding_box()
    assert passage["y"] <= hit["y"] < passage["y"] + passage["height"]  # its quote scrolled to
    assert page.locator("#viewer mark.qa-hit").count() == 0  # nothing opened far below
    shot(page, "chat-phone-2-marker-opens-its-sources")


def test_phone_copy_and_suggestions_work_too(phone):
    page = phone
    last_reply(page).get_by_role("button", name="Copy this reply with its sources").click()
    assert "\nSources:\n[1] " in page.evaluate("navigator.clipboard.readText()")
    ask(page, OFF_TOPIC)
    asks = last_reply(page).locator("button.qa-suggest")
    asks.first.scroll_into_view_if_needed()
    shot(page, "chat-phone-3-decline")
    before = replies(page)
    asks.first.click()
    wait_for_reply(page, before)
    assert last_reply(page).locator(".qa-answer").count() == 1
    page.reload(wait_until="load")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length === n", arg=[BOT, before + 1])
    page.locator("#conversations").scroll_into_view_if_needed()
    shot(page, "chat-phone-4-conversations")


@pytest.mark.parametrize("tab", ["Chat", "About"])
def test_axe_finds_no_serious_violation_on_the_phone(phone, tab):
    page = phone
    open_tab(page, tab)
    page.wait_for_timeout(300)
    found = violations(page)
    assert not found, describe(found)
    if tab == "About":
        shot(page, "chat-phone-5-about")
    open_tab(page, "Chat")
