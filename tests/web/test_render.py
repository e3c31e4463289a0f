"""HTML for the UI: escaped text, markers, labels, source cards and the document view."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from app.engine import Answer, AnswerSentence, Citation, Decision
from app.engine.retrieve import Passage
from app.web.render import (
    TIP_CHARS,
    answer_html,
    around,
    document_html,
    esc,
    evaluation_html,
    examples_html,
    highlighted,
    ingest_html,
    sources_html,
    text_html,
)
from ingest.chunk import Chunk
from ingest.index import IngestReport

HOSTILE = ['<script>alert(1)</script>', '<img src=x onerror="alert(2)">',
           '${globalThis.x = 1}', '`${x}`', '<a href="javascript:alert(3)">x</a>']


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_has_no_markup_or_template_syntax(text):
    out = esc(text)
    assert "<" not in out and ">" not in out and "${" not in out and "`" not in out
    assert text_html(text + "\nnext").endswith("<br>next")


def test_answer_markers_link_to_their_source_cards_and_text_is_escaped():
    reply = Answer("q", Decision.ANSWER, sentences=[AnswerSentence("A <b> rises.", (1,)),
                                                     AnswerSentence("It falls.", (1, 2))])
    out = answer_html(reply, turn=3)
    assert out.count('href="#qa-source-3-1"') == 2 and out.count('href="#qa-source-3-2"') == 1
    assert "A &lt;b&gt; rises. <a" in out and "It falls. <a" in out


@pytest.mark.parametrize("decision,reason,kind,label", [
    ("decline", "not_covered", "decline", "Declined: the documents don&#x27;t answer this"),
    ("decline", "too_long", "decline", "Declined: question too long"),
    ("refuse", "personal_dose", "refuse", "Refused: Personal dosing"),
    ("refuse", "personal_use", "refuse", "Refused: Personal dosing"),
    ("refuse", "crisis", "crisis", "Crisis: you are not alone"),
])
def test_declines_and_refusals_carry_a_label_in_plain_words(decision, reason, kind, label):
    out = answer_html(Answer("q", Decision(decision), "Text <i>", reason=reason), turn=0)
    assert f'<span class="qa-label qa-label-{kind}">{label}</span>' in out
    assert "Text &lt;i&gt;" in out and "qa-marker" not in out
    # the rule's name is only in the details toggle
    shown = re.sub(r'class="[^"]*"', "", out)
    assert shown.count(reason) == 1 and f"<code>{reason}</code></p></details>" in out
    assert '<details class="qa-why"><summary>Details</summary>' in out


def test_where_gives_lines_pages_or_offsets():
    c = Citation(1, "a.txt", "A", "S", 4, 11, "b\nc")
    assert c.location("a\n\nb\nc d") == "lines 3–4"
    assert c.location(None) == "characters 4–11"
    assert Citation(1, "a.pdf", "A", "S", 0, 1, "x", page=2).location(None) == "page 2"


def test_highlight_and_window_escape_around_the_mark():
    assert highlighted("<x>", 1, 2) == '&lt;<mark class="qa-hit">x</mark>&gt;'
    text = "word " * 100 + "QUOTE" + " word" * 100
    start = text.index("QUOTE")
    out = around(text, start, start + 5, chars=20)
    assert out.startswith("… word") and out.endswith("word …") and len(out) < 100
    assert around("QUOTE", 0, 5) == '<mark class="qa-hit">QUOTE</mark>'


def test_source_cards_mark_the_quote_inside_its_passage():
    text = "Intro line.\nMDMA <raises> serotonin. Then more."
    start = text.index("MDMA")
    end = start + len("MDMA <raises> serotonin.")
    chunk = Chunk("c1", "a.txt", "Doc", "Doc › Part", 0, len(text), text)
    result = Answer("q", Decision.ANSWER,
                    sentences=[AnswerSentence("MDMA <raises> serotonin.", (1,))],
                    citations=[Citation(1, "a.txt", "Doc", "Doc › Part", start, end,
                                        text[start:end])],
                    passages=[Passage(chunk, 1.0)])
    out = sources_html(result, {"a.txt": text}, turn=2)
    assert 'id="qa-source-2-1"' in out and 'data-turn="2" data-cite="1"' in out
    assert "Doc › Part" in out and "Doc › Doc" not in out
    assert '<mark class="qa-hit">MDMA &lt;raises&gt; serotonin.</mark> Then more.' in out
    assert "a.txt, line 2" in out and 'data-cite="1"' in out
    assert "cites no document" in sources_html(Answer("q", Decision.DECLINE, "no"), {})


def test_document_view_highlights_or_says_the_file_is_gone():
    out = document_html("T<", "a.txt", "one <two> three", 4, 9)
    assert '<mark class="qa-hit">&lt;two&gt;</mark>' in out and "T&lt;" in out
    assert "can no longer be read" in document_html("T", "gone.txt", None)


def test_ingest_summary_speaks_of_documents_and_passages_and_marks_only_failures():
    report = IngestReport("corpus", files_added=1, files_unchanged=2, chunks_added=3,
                          chunks_updated=1, chunks_unchanged=40, chunks_embedded=3,
                          sentences_embedded=10, failed=[("bad.pdf", "encrypted PDF <x>")])
    out = ingest_html(report)
    assert "Documents: 1 added, 0 updated, 2 unchanged, 0 removed, 1 failed." in out
    assert "Passages: 3 new, 41 unchanged, 0 removed; 44 in all." in out
    assert "bad.pdf could not be read: encrypted PDF &lt;x&gt;" in out
    assert out.count("qa-item-bad") == 1 and "could not be read" in out.split("qa-item-bad")[1]
    for internal in ("chunk", "vector", "embedded", "sentence"):
        assert internal not in out.lower()


def test_ingest_summary_lists_skipped_files_with_their_reason():
    report = IngestReport("corpus", skipped=[
        ("x.docx", "unsupported file type"),
        ("leak.txt", "symlink pointing outside the corpus folder, not indexed")])
    out = ingest_html(report)
    assert "Skipped</span> x.docx: unsupported file type." in out
    assert "leak.txt: symlink pointing outside the corpus folder, not indexed" in out
    assert "qa-item-bad" not in out


def test_evaluation_summary_lists_failing_cases_and_malformed_lines():
    rows = [{"id": "a", "question": "<q>", "expect": "answer", "decision": "decline",
             "checks": {"decision": False, "must_include": None}},
            {"id": "b", "question": "ok", "expect": "answer", "decision": "answer",
             "checks": {"decision": True}}]
    summary = {"overall": {"decision_accuracy": 0.5, "refusal_recall": None}}
    out = evaluation_html(summary, rows, ["cases.jsonl:3: bad JSON"])
    assert "2 cases run" in out and "Failing cases (1)" in out and "&lt;q&gt;" in out
    assert "0.500" in out and "cases.jsonl:3: bad JSON" in out and "<td>decision</td>" in out


def cited_reply(quote: str = "MDMA <raises> serotonin.", title: str = "Doc <T>") -> Answer:
    text = "Intro line.\n" + quote + " Then more."
    start = text.index(quote)
    chunk = Chunk("c1", "a.txt", title, f"{title} › Part", 0, len(text), text)
    citation = Citation(1, "a.txt", title, f"{title} › Part", start, start + len(quote), quote)
    return Answer("q", Decision.ANSWER, sentences=[AnswerSentence(quote, (1,)),
                                                   AnswerSentence("Again.", (1,))],
                  citations=[citation], passages=[Passage(chunk, 1.0)])


def test_markers_are_named_for_their_source_and_preview_their_quote():
    out = answer_html(cited_reply(), turn=2)
    assert out.count('aria-label="Source 1: Doc &lt;T&gt;"') == 2
    tips = re.findall(r'aria-describedby="([^"]+)"', out)
    assert len(tips) == len(set(tips)) == 2 and all(f'id="{t}"' in out for t in tips)
    assert 'role="tooltip"' in out and "“MDMA &lt;raises&gt; serotonin.”</span>" in out


def test_a_long_quote_is_previewed_in_part():
    out = answer_html(cited_reply("word " * 200 + "end."), turn=0)
    tip = re.search(r'role="tooltip" id="[^"]+">(.*?)</span>', out).group(1)
    assert len(tip) <= TIP_CHARS + 4 and tip.endswith("…”") and "end." not in tip


def test_a_reply_carries_its_own_folded_sources_copy_button_and_plain_text():
    out = answer_html(cited_reply(), turn=3, texts={"a.txt": "x"}, plain="Plain <copy> [1]")
    assert '<details class="qa-inline"><summary>Sources (1)</summary>' in out
    assert 'id="qa-inline-3-1"' in out and 'id="qa-source-3-1"' not in out  # not the panel's id
    assert '<button type="button" class="qa-copy"' in out
    assert '<pre class="qa-plain" hidden>Plain &lt;copy&gt; [1]</pre>' in out


def test_a_decline_offers_its_suggestions_as_buttons():
    reply = Answer("q", Decision.DECLINE, "Not covered.", reason="not_covered",
                   suggestions=["What is <SERT>?", "Is it legal?"])
    out = answer_html(reply, turn=0)
    assert out.count('class="qa-suggest"') == 2 and ">What is &lt;SERT&gt;?</button>" in out
    assert "- Is it legal?" not in out.split('<pre class="qa-plain"')[0]
    assert examples_html([]) == '<div class="qa-examples"></div>'
    assert examples_html(["A?"]).count('class="qa-suggest"') == 1


class Tags(HTMLParser):
    """Every tag and attribute of an HTML string."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


ALLOWED = {"div", "p", "span", "a", "br", "button", "details", "summary", "pre", "mark", "ul",
           "li", "code", "h2", "small"}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_reply_holds_only_its_own_markup_whatever_the_text(hostile):
    """The chat shows replies unsanitized (`app.py`): only render.py's own tags may appear."""
    c = Citation(1, hostile, hostile, hostile, 0, 5, hostile)
    replies = [
        Answer(hostile, Decision.ANSWER, sentences=[AnswerSentence(hostile, (1,))], citations=[c],
               note=hostile),
        Answer(hostile, Decision.DECLINE, hostile, reason=hostile, suggestions=[hostile]),
        Answer(hostile, Decision.REFUSE, hostile, sentences=[AnswerSentence(hostile, (1,))],
               citations=[c], reason=hostile),
    ]
    for reply in replies:
        parser = Tags()
        parser.feed(answer_html(reply, turn=0, texts={hostile: hostile}, plain=hostile)
                    + text_html(hostile))
        assert {tag for tag, _ in parser.tags} <= ALLOWED
        attrs = {name for _, a in parser.tags for name in a}
        assert not {a for a in attrs if a.startswith("on")} and "src" not in attrs
        assert all(a["href"].startswith("#qa-source-") for t, a in parser.tags if t == "a")
