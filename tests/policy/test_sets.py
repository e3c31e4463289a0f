"""The policy's case folders (held out and training) read cleanly: every line a valid case,
ids unique within a folder, each file's categories named after it."""

from __future__ import annotations

import pytest

from app.evaluation import read_cases
from tests.conftest import PROJECT

FOLDERS = sorted(p for p in (PROJECT / "eval").glob("policy_*") if p.is_dir())


def test_there_are_held_out_and_training_folders():
    names = {p.name for p in FOLDERS}
    assert {"policy_heldout3", "policy_heldout9", "policy_heldout19", "policy_train_h1", "policy_train_h2",
            "policy_train_h5", "policy_train_h6", "policy_train_h7", "policy_train_h8", "policy_train_h10",
            "policy_train_h11", "policy_train_h13", "policy_train_h14", "policy_train_h15", "policy_train_h16",
            "policy_train_h17", "policy_train_h18"} <= names


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_a_policy_folder_reads_cleanly(folder):
    ids = []
    for path in sorted(folder.glob("*.jsonl")):
        cases, errors = read_cases(path)
        assert errors == [] and cases, path.name
        assert {c.expect for c in cases} <= {"answer", "decline", "refuse"}
        assert all(c.category.split("/")[0] == path.stem for c in cases), path.name
        ids += [c.id for c in cases]
    assert len(ids) == len(set(ids))
