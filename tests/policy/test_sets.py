"""The policy's case folders (held out and training) read cleanly: every line a valid case,
ids unique within a folder, each file's categories named after it, and every quote an answer's
note gives found word for word in the corpus file it names."""

from __future__ import annotations

import json
import re

import pytest

from app.evaluation import read_cases
from tests.conftest import DEFAULT_CORPUS, PROJECT

QUOTE = re.compile(r'Source: (\S+?)[.;,]? Quote: "(.*)"\s*$')  # how the blind writers cite the articles

FOLDERS = sorted(p for p in (PROJECT / "eval").glob("policy_*") if p.is_dir())


def test_there_are_held_out_and_training_folders():
    names = {p.name for p in FOLDERS}
    held_out = {"policy_heldout9", "policy_heldout34", "policy_heldout35", "policy_heldout45", "policy_heldout50",
                "policy_heldout51", "policy_heldout52", "policy_heldout56", "policy_heldout58", "policy_heldout65",
                "policy_heldout66", "policy_heldout69", "policy_heldout72", "policy_heldout76", "policy_heldout78",
                "policy_heldout79", "policy_heldout81", "policy_heldout83", "policy_heldout86", "policy_heldout88",
                "policy_heldout89", "policy_heldout91"}
    training = {f"policy_train_h{n}" for n in (1, 2, 3, 5, 6, 7, 8, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
                                                24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 36, 37, 38, 39, 40, 41, 42, 43,
                                                44, 46, 47, 59, 60, 62, 63, 64, 67, 68, 70, 71, 73, 77, 80, 82,
                                                84, 85, 87, 90)}
    development = {"policy_dev57", "policy_dev61", "policy_dev75"}
    assert held_out | training | development <= names


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


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_every_answer_quote_is_in_the_corpus_file_it_names(folder):
    corpus = {p.name: p.read_text(encoding="utf-8") for p in DEFAULT_CORPUS.glob("*.txt")}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["expect"] == "answer" and (m := QUOTE.search(row.get("note", ""))):
                source, quote = m.groups()
                assert quote in corpus.get(source, corpus.get(f"{source}.txt", "")), (row["id"], source)
