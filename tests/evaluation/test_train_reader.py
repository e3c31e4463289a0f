"""Tests for eval/train_reader.py's pieces that need no training data: how a tuning case
labels a sentence, the group weights, and that an exported ensemble computes exactly
what scikit-learn fitted."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.reader import FEATURES, QUESTION_FEATURES, Reader, Trees
from app.evaluation.cases import Case
from ingest.sentences import Sentence
from tests.conftest import load_script

train = load_script("train_reader")


def sentence(text: str) -> Sentence:
    return Sentence("a.txt", "T", "T", 0, len(text), text, text)


@pytest.mark.parametrize("must, evidence, text, expected", [
    ([["serotonin"], ["deplete", "exhaust"]], [], "MDMA can deplete Serotonin stores.", True),
    ([["serotonin"], ["deplete"]], [], "MDMA raises serotonin.", False),  # one group missing
    ([["x"]], ["MDMA raises serotonin"], "MDMA raises serotonin in the synapse.", True),
    ([], ["MDMA raises serotonin in the synapse, a lot"], "MDMA raises serotonin in the synapse,", True),
    ([], ["something else entirely"], "MDMA raises serotonin.", False),
])
def test_a_tuning_case_labels_the_sentences_that_hold_its_answer(must, evidence, text, expected):
    case = Case("c", "q", 1, expect="answer", must_include=must, extra={"evidence": evidence})
    assert train.holds_answer(case, sentence(text)) is expected


def test_the_default_corpus_weighs_a_set_share_of_the_squad_questions():
    class Q:
        def __init__(self, group):
            self.item = type("I", (), {"group": group})()
    folds = [Q("Huguenot")] * 6 + [Q(train.DEFAULT_CORPUS)] * 2
    w = train.group_weights(folds)
    assert w[:6].tolist() == [1.0] * 6
    assert w[6:].sum() == pytest.approx(train.DEFAULT_SHARE * 6)


def test_an_exported_ensemble_and_regression_compute_what_was_fitted():
    from sklearn.ensemble import HistGradientBoostingClassifier
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(FEATURES)))
    y = (x[:, 0] + 0.5 * x[:, 3] + rng.normal(scale=0.5, size=400)) > 0
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(x, y)
    trees = Trees(train.export_trees(model, FEATURES), FEATURES)
    assert np.allclose(trees.logits(x), model.decision_function(x), atol=1e-9)

    q = rng.normal(size=(200, len(QUESTION_FEATURES)))
    question = train._Question().fit(q, q[:, 0] > 0, np.ones(200))
    spec = {"sentence": train.export_trees(model, FEATURES), "question": question.export(),
            "threshold": 0.5, "relative": 0.6}
    reader = Reader(spec)
    assert np.allclose(reader.question.logits(q), question.decision_function(q), atol=1e-9)


def test_each_corpus_is_asked_the_other_corpus_questions_as_unanswerable_ones():
    from app.engine.engine import Assessment
    from app.engine.query import contextualize

    class Engine:
        def __init__(self, name):
            self.name, self.asked = name, []

        def assess(self, question):
            self.asked.append(question)
            return Assessment(contextualize(question), np.ones(3), [], [], {"corpus": self.name})

    def item(group, qid, question, history=None):
        found = Assessment(contextualize(question, history), np.ones(3), [], [], {})
        return train.Item(group, qid, question, True, found, {("a.txt", 0, 5)})

    squad = [item("Huguenot", f"s{n}", f"Who led wave {n}?") for n in range(7)]
    default = [item(train.DEFAULT_CORPUS, "t1", "What does MDMA release?"),
               item(train.DEFAULT_CORPUS, "t2", "And what about it?",
                    [{"role": "user", "content": "What does MDMA release?"}])]
    squad_engine, default_engine = Engine("squad"), Engine("default")
    asked = train.collect_elsewhere(squad, squad_engine, default, default_engine)

    assert squad_engine.asked == ["What does MDMA release?"]  # the follow-up leans on its turns
    assert default_engine.asked == [f"Who led wave {n}?" for n in range(0, 7, train.ELSEWHERE_EVERY)]
    assert [it.qid for it in asked] == ["elsewhere:t1", "elsewhere:s0", "elsewhere:s3", "elsewhere:s6"]
    assert [it.group for it in asked] == [train.DEFAULT_CORPUS] + ["Huguenot"] * 3
    assert all(it.elsewhere and not it.answerable and not it.positives for it in asked)
    assert [it.assessment.scores["corpus"] for it in asked] == ["squad"] + ["default"] * 3
    assert all(it.assessment.vector.size == 0 for it in asked)  # slimmed like the others
