"""Votes become evaluator cases in a local JSONL file."""

from __future__ import annotations

import json
import threading

from app.engine import Answer, AnswerSentence, Citation, Decision
from app.evaluation.cases import read_cases
from app.web.feedback import feedback_case, record_vote

ANSWER = Answer("What is SERT?", Decision.ANSWER,
                sentences=[AnswerSentence("SERT moves serotonin.", (1,))],
                citations=[Citation(1, "a.txt", "A", "S", 0, 21, "SERT moves serotonin.")])


def test_docstring_example():
    case = feedback_case(Answer("What is SERT?", Decision.DECLINE, "No."), [], liked=True)
    assert (case["expect"], case["vote"], case["category"]) == ("decline", "up", "feedback")


def test_thumbs_up_is_a_regression_case_and_thumbs_down_leaves_expect_open(tmp_path):
    history = [{"role": "user", "content": "Tell me about serotonin"},
               {"role": "assistant", "content": "Serotonin is a neurotransmitter. [1]"}]
    path = tmp_path / "votes" / "feedback.jsonl"
    record_vote(path, feedback_case(ANSWER, history, liked=True))
    record_vote(path, feedback_case(ANSWER, [], liked=False))
    cases, errors = read_cases(path)
    assert errors == [] and len(cases) == 2
    up, down = cases
    assert (up.expect, up.sources, up.history) == ("answer", ["a.txt"], history)
    assert down.expect is None and down.extra["vote"] == "down"
    assert up.extra["citations"][0]["quote"] == "SERT moves serotonin."
    assert up.id != down.id


def test_parallel_votes_each_write_one_whole_line(tmp_path):
    path = tmp_path / "feedback.jsonl"
    threads = [threading.Thread(target=record_vote, args=(path, feedback_case(ANSWER, [], liked=True)))
               for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20 and all(json.loads(line)["question"] == "What is SERT?" for line in lines)
