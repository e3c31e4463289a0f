"""Tests for eval/train_cross.py's pieces that need no training: which fold a question is in."""

from __future__ import annotations

from tests.conftest import load_script

cross = load_script("train_cross")


def item(group: str, qid: str, elsewhere: bool = False):
    return cross.Item(group, qid, "q", not elsewhere, None, elsewhere=elsewhere)


def test_a_question_asked_of_the_other_corpus_is_in_its_own_question_s_fold():
    ids = [f"tune-{n}" for n in range(30)]
    folds = [cross.fold_of(item(cross.DEFAULT_CORPUS, i)) for i in ids]
    assert set(folds) == set(range(cross.FOLDS))  # the tuning cases spread over every fold
    assert folds == [cross.fold_of(item(cross.DEFAULT_CORPUS, cross.ELSEWHERE + i, True)) for i in ids]
    for n, title in enumerate(cross.TRAIN):  # a SQuAD question's fold is its article's
        assert cross.fold_of(item(title, "5ad3")) == cross.fold_of(
            item(title, cross.ELSEWHERE + "5ad3", True)) == n % cross.FOLDS
