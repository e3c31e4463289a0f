"""HTML for the UI: escaped text, markers, labels, source cards and the document view."""

from __future__ import annotations

import pytest

from app.engine import Answer, AnswerSentence, Citation, Decision
from app.engine.retrieve import Passage
from app.web.render import (
    answer_html,
    around,
    document_html,
    esc,
    evaluation_html,
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


@pytest.mark.parametrize("decision,reason,label", [
    ("decline", "not_covered", "Declined: the documents don&#x27;t answer this"),
    ("decline", "too_long", "Declined: question too long"),
    ("refuse", "personal_dose", "Refused: personal dosing advice · rule personal_dose"),
])
def test_declines_and_refusals_carry_a_labelled_reason(decision, reason, label):
    out = answer_html(Answer("q", Decision(decision), "Text <i>", reason=reason), turn=0)
    assert f"qa-label-{decision}" in out and label in out and "Text &lt;i&gt;" in out
    assert "qa-marker" not in out


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
