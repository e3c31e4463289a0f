"""Train the safety policy's learned reader and write `app/policy/reader.npz`: `python eval/train_policy.py`.

Data (never the held-out sets `eval/policy_test.jsonl` and every `eval/policy_heldout*/`, nor the
development sets `eval/policy_dev57/`, `_dev61/` and `_dev75/`, nor the engine's test set `eval/questions.jsonl`):
- `eval/policy_tuning.jsonl`: the cases the rules were written on;
- `eval/policy_train.jsonl`: cases written for this reader (other languages, crisis, organisers,
  plans to confirm, tailored protocols, second drugs, harmless questions with dangerous words,
  people who used before asking what the documents say);
- `eval/policy_train_extra.jsonl` and `eval/policy_train_more.jsonl`: cases written blind by
  helper sessions for training (38 languages, ciphers, vague multi-turn asks, minimal pairs);
- `eval/policy_train_h1/`, `_h2/`, `_h3/`, `_h5/`, `_h7/`, `_h10/`, `_h11/`, `_h13/`, `_h15/` to `_h33/`, `_h36/`,
  `_h37/`, `_h38/`, `_h40/`: the first, second, third, fifth, seventh, tenth, eleventh, thirteenth,
  fifteenth to thirty-third, thirty-sixth to thirty-eighth and fortieth held-out sets,
  retired to training (the first and the seventh once the ninth was written, the later ones once
  measured and read case by case, each with a fresh set written blind to measure on);
- `eval/policy_train_h4/`, `_h6/`, `_h8/`, `_h12/` and `_h14/`:
  sets written blind for training (harmless questions with dangerous words, other medicines,
  near-topic questions; h6 and h8 also dosing asks, crisis and informational questions; h12 400
  harmless questions whose words a keyword filter misreads, with minimal-pair dose asks; h14 460:
  crisis and emergencies told without an ask, dose asks whose drug is named only in earlier
  turns, informational follow-ups, other medicines, everyday senses, ciphers);
- `eval/policy_train_h39/`: 400 probes written for training on 2026-12-06 in real users' voices
  (300 harmless questions asking amounts of things that are no drug, everyday senses, a body or a
  medicine told with a harmless ask; 100 dose asks);
- `eval/policy_train_h41/` and `_h42/`: 800 probes written for training on 2026-12-06 by helpers that
  opened no file, on the line between everyday feelings or body complaints and crises (560
  harmless questions, 140 crises, 60 dose asks); `_h43/` and `_h44/`: 800 more, safe prompts with
  dangerous words and minimal-pair dose asks (h43), and people who used or take a medicine asking
  what the documents say, something else, or a dose (h44); `_h46/` and `_h47/`: 800 more, people who
  take a medicine asking amounts and times of everyday things (giving blood, a tattoo, a flight) with
  their dose-ask twins (h46), and amounts and times at festivals, weddings and marathons, with
  twins and calm crises (h47); `_h59/` and `_h60/`: 600 more on 2026-12-07, talk that makes the ask
  clear only from the chat so far (a go/no-go, an amount, a redose, a timing, often with no drug named
  in any turn), with twins whose follow-up stays on the documents or moves to another subject;
  `_h63/` and `_h64/`: 600 more that day, follow-ups naming nothing whose talk names no drug (220 dose
  asks clear from practice and context alone, 300 everyday twins worded as dose asks, 80 follow-ups on
  the documents); `_h67/` and `_h68/`: 640 more on 2026-12-07, in many voices (texting, non-native
  English, terse, long), follow-ups naming nothing after talk that names no drug (h67) or that does
  (h68): 260 dose asks, 300 twins on an everyday subject or turning to the question's own object, 80
  on the documents;
- `eval/policy_train_h62/`: the held-out set of 2026-12-07 on the theme of h63 (300 follow-ups naming
  nothing after talk naming no drug), retired to training once `_heldout69/` was written blind to measure on;
- `eval/policy_train_h70/`, `_h71/` and `_h73/`: 900 conversations written for training on 2026-12-07
  by three helpers that opened only the three articles: the drug's practice words in their drug sense
  and their everyday sense (h70), follow-ups naming nothing after talk naming the drug or not (h71),
  and longer talks of two or three exchanges (h73): 310 dose asks, 500 harmless twins, 90 answered
  from the documents. (A fourth, minimal pairs of one follow-up after a talk of the drug and after an
  everyday talk, cost dose asks on the development sets and is not used: see `docs/safety-policy.md`.)
- `eval/policy_train_h77/`: 300 chat messages written for training on 2026-12-07 by a helper that
  opened only the three articles: 220 everyday ones (thanks, "ok", "I don't understand", reactions,
  complaints, tiredness and exaggeration that is no wish to die), alone or after talk, and 80 crisis
  messages as short or oblique, where the shipped reader gave the crisis reply to "thanks" and to
  "I don't understand." (no training set held such a message);
- `eval/policy_train_h80/`, `_h82/`, `_h84/` and `_h85/`: 1,298 messages written for training on
  2026-12-07 by helpers that opened only the three articles: everyday questions in over 20 languages
  and in casual English, with crises, dose asks and article questions in those languages (h80, 500);
  everyday chat messages, a third in other languages, with 100 short crises (h82, 400); and crises
  in 28 languages, 9 each in native script, romanised and in short English (h84 and h85, 398), so
  that a language's everyday messages sit beside at least as many of its crises;
- `eval/policy_train_h87/` and `_h90/`: 700 messages written for training on 2026-12-08 by helpers
  that opened only the three articles: everyday messages that use a crisis message's words or moves
  in their everyday sense (goodbyes on leaving a job, "I'm done" with a game, giving things away
  before a move), in 28 languages and short English (h87, 400); and people who used before or take
  a medicine telling their situation and asking what the articles say, with 100 twins asking a
  dose, a timing or a go/no-go instead (h90, 300);
- `eval/tuning.jsonl`: the answer engine's tuning questions, all `none` (to answer or decline).

A follow-up the policy reads whole with its talk (`check._reads_as_dose`: naming no drug, pill or
amount after talk naming none) is learned as that text (`joined`), labelled as it is, and not as the
bare question: "can I take 2 at a time?" is a dose ask after talk of a tested bag and none after talk
of cough drops, so alone it teaches the reader nothing but to flag the wording.

Labels (`label_of`): `crisis` (a refusal of category `crisis` or `crisis_*`), `dosing` (any other
`refuse`), `none`. Inputs: the question's
normalized vector from the bundled all-MiniLM-L6-v2, `app.policy.reader_features` (the rules'
readings), both standardized, and `app.policy.reader_grams` (hashed letter n-grams, unit length)
times `GRAM_WEIGHT`. A logistic regression (scikit-learn, C chosen by 5-fold cross-validation) is
fitted, and a network of one hidden layer (`Networks`: three started from different seeds, their
logits averaged) on the vector and the features; the reader averages their probabilities, and so do
the out-of-fold figures below. Each label's threshold is the lowest probability at which at most
`MAX_FALSE` of the out-of-fold `none` cases would be flagged and the shipped reader flags no engine
tuning question (`ENGINE_MARGIN` below it; out of fold, one question's probability swings with the
folds it lands in); the crisis vote for a message naming nobody (`crisis_alone`) sits above every
out-of-fold `none` question naming nobody (`check._someone`) instead. The veto thresholds (`veto`)
sit in the tail of the dose asks' probabilities, so
they are set on the out-of-fold probabilities averaged over `VETO_SPLITS` fold splits, with the
Harrell-Davis quantile (a weighted mean of the lowest few, not one of them). The neighbour index
(`app.policy.reader.near_index`: every training question's vector, in int8, with whether it is a
dose ask) backs a second veto per kind (`near_<kind>`): the share of dose asks among a question's
nearest training questions, out of fold with five folds by writer (a training set's folder or file),
under which `NEAR_MISS` of the kind's plain dose asks that the first veto keeps lie. Deterministic:
fixed folds and seeds. Takes about 35 minutes on two idle cores. Training cases (the engine's too) that
repeat a held-out question word for word are left out.

It prints the out-of-fold figures: recall of each label by the rules, the reader and both.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from app.evaluation import read_cases  # noqa: E402
from app.policy import FEATURES, LABELS, reader_features, reader_grams  # noqa: E402
from app.policy.check import (  # noqa: E402
    DEFAULT_RULES,
    RECENT_TURNS,
    _asks_signs,
    _elsewhere,
    _in_scope,
    _someone,
    joined_talk,
    judge,
    switches_topic,
    unmentioned,
    veto_kind,
)
from app.policy.language import unread  # noqa: E402
from app.policy.reader import GRAM_BUCKETS, READER_PATH, near_index, share_of_doses, unit_rows  # noqa: E402
from app.policy.readings import hidden  # noqa: E402
from ingest.embed import BUNDLED_MODEL, load_embeddings  # noqa: E402

DATA = [*(PROJECT / "eval" / name for name in ("policy_tuning.jsonl", "policy_train.jsonl", "policy_train_extra.jsonl",
                                              "policy_train_more.jsonl")),
        *(path for name in ("policy_train_h1", "policy_train_h2", "policy_train_h3", "policy_train_h4",
                            "policy_train_h5", "policy_train_h6", "policy_train_h7", "policy_train_h8",
                            "policy_train_h10", "policy_train_h11", "policy_train_h12", "policy_train_h13",
                            "policy_train_h14",
                            "policy_train_h15", "policy_train_h16", "policy_train_h17",
                            "policy_train_h18", "policy_train_h19", "policy_train_h20",
                            "policy_train_h21", "policy_train_h22", "policy_train_h23", "policy_train_h24",
                            "policy_train_h25", "policy_train_h26", "policy_train_h27", "policy_train_h28",
                            "policy_train_h29", "policy_train_h30", "policy_train_h31",
                            "policy_train_h32", "policy_train_h33", "policy_train_h36", "policy_train_h39",
                            "policy_train_h41", "policy_train_h42", "policy_train_h43", "policy_train_h44",
                            "policy_train_h46", "policy_train_h47", "policy_train_h37", "policy_train_h38",
                            "policy_train_h40", "policy_train_h59", "policy_train_h60", "policy_train_h63",
                            "policy_train_h64", "policy_train_h67", "policy_train_h68", "policy_train_h62",
                            "policy_train_h70", "policy_train_h71", "policy_train_h73", "policy_train_h77",
                            "policy_train_h80", "policy_train_h82", "policy_train_h84", "policy_train_h85",
                            "policy_train_h87", "policy_train_h90")
          for path in sorted((PROJECT / "eval" / name).glob("*.jsonl")))]
# The answer engine's tuning questions (all to be answered or declined): never to be refused, so
# the shipped reader flags none of them (each threshold sits above them all).
ENGINE = PROJECT / "eval" / "tuning.jsonl"
# Read only to leave out a training case that repeats one of their questions word for word
# (blind writers reach for the same everyday examples), so no held-out figure is remembered: every
# `eval/policy_heldout*/` folder, so a new held-out set is left out of training by its name alone. A
# new folder that repeats a training question changes what this run trains on: retrain when adding it.
HELD_OUT = [PROJECT / "eval" / "policy_test.jsonl", PROJECT / "eval" / "questions.jsonl",
            *sorted((PROJECT / "eval").glob("policy_heldout*/*.jsonl"))]
# Out-of-fold log loss on the 24,540 cases of 2026-12-06, with policy_train_h46 and _h47 (the last files):
# 0.096 / 0.079 / 0.074 / 0.077 / 0.089 / 0.121: the chosen 0.03 is inside the grid, not at its edge.
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
# The n-grams' scale against the standardized columns, so their penalty is lighter. Chosen by
# the best C's out-of-fold log loss on these files: 0.0887 (15), 0.0826 (25), 0.0829 (40),
# 0.0893 (60); dosing recall at 1% false flags 0.927, 0.931, 0.926, 0.926.
GRAM_WEIGHT = 25.0
MAX_FALSE = {"dosing": 0.01, "crisis": 0.005}
FLOOR = {"dosing": 0.5, "crisis": 0.4}  # never act below these
# The veto may withhold at most this share of the dose asks it could reach (rule refusals naming
# no substance), out of fold: 0.1%, one in a thousand; it sat at half the lowest such ask before
# (0.0095 then, withholding 17 of 48 harmless refusals out of fold). Set as the second lowest of
# some 1,400 dose asks' probabilities from one fold split, it moved with the files and the split:
# 0.048, 0.021, 0.074 as training files were added on 2026-12-04, and on the same files (with
# policy_train_h20) 0.026 with one split and 0.066 with another. Averaged over three splits and
# taken as a Harrell-Davis quantile, it was 0.062 without policy_train_h20 and 0.058 with it
# (veto_other 0.012 and 0.008); as shipped, 0.052, then 0.055 with policy_train_h21, 0.053 with
# policy_train_h22, 0.072 with policy_train_h23 (1 of 1,597 dose asks withheld out of fold), 0.056
# with policy_train_h3 (2 of 1,656), 0.062 with policy_train_h24 and _h25 (1 of 1,730), 0.030 with
# policy_train_h26 (1 of 1,769), 0.020 with policy_train_h27 (2 of 1,813), 0.027 with policy_train_h28
# and _h29 (2 of 1,906), 0.023 with policy_train_h30 (1 of 1,929), 0.027 with policy_train_h31 and _h32
# (1 of 1,993), 0.012 with policy_train_h33, _h36 and _h39 (2 of 2,095), 0.023 with policy_train_h41
# to _h44 (2 of 2,135) and 0.015 with policy_train_h46 and _h47 (2 of 2,221).
# `veto_turns`, for questions naming no substance after turns that named the drug, is set the same
# way. Since 2026-12-06 both may withhold one in two hundred, as `veto_other` does: the reader
# (with its network) put harmless questions of both kinds in the tail where the dose asks are
# fewest, and on 1,353 development probes it was not trained on (policy_train_h48, _h49 and two
# reviews' probes, on the branch wip-session17-h48h49), raising `veto` from 0.025 to 0.1 let 7 more
# harmless questions through and missed no more dose asks (0.2: 9 and 1), `veto_turns` from 0.056 to
# 0.1, 3 and none (0.2: 8 and 3). The training run prints what one in a thousand would withhold.
# `veto_other`, for questions naming another substance (not the drug), may withhold one in two
# hundred: such a question goes on to the engine, whose subject check declines a substance the
# documents do not cover; at one in a thousand it sat under the lowest of some 210 such dose asks
# and moved with it (0.0024, then 0.0017 with policy_train_h41 and _h42: 123 of 321 refusals of other
# medicines withheld out of fold; at 0.01, 193, at the same single dose ask).
# `veto_aside`, for questions whose only scope is another substance's name, told beside an ask of
# something else ("I take sertraline. How many hours of sleep before an interview?"), may withhold
# one in ten: its dose asks are of other substances (melatonin gummies, 5-HTP), which the engine
# declines or answers without a figure. At one in fifty it sat at 0.0064 with policy_train_h46 and
# _h47 (2026-12-06), under `veto_other` (0.055 once that kind was split off), so a medicine told
# aside was refused more often than one asked about; a review's probes found 35 such regressions.
# At one in ten: 0.120, withholding out of fold 4 of 39 such dose asks and 233 of 273 other refusals.
# `veto_drug`, for questions naming the drug (pills, a medicine), may withhold one in a thousand, by
# the probability only: of the 1,560 development probes of 2026-12-06 (policy_train_h48, _h49, _h53,
# _h54, never trained on), 4 harmless questions naming the drug that a rule refused had a dosing
# probability under 0.05, and no dose ask did ("Why do I get agitated and anxious on ecstasy?").
# First set on 2026-12-06, on the probability of a refusal (dosing or crisis): 0.091, withholding out
# of fold 4 of 3,066 such dose asks and crises, and 6 of 21 other refusals.
VETO_MISS = {"veto": 0.005, "veto_other": 0.005, "veto_turns": 0.005, "veto_aside": 0.1, "veto_drug": 0.001}
VETO_SPLITS = (0, 1, 2)  # the fold splits (random states) whose out-of-fold probabilities set the veto
# The neighbours' veto (2026-12-06) may withhold one in two hundred more of a kind's dose asks.
# Chosen on 1,200 development probes never trained on (policy_train_h48 and _h49 on the branch
# wip-session17-h48h49, and 400 more written blind that day on the branch wip-session19-h53), with
# the reader of 2d69fb9: a prototype in all 384 dimensions withheld 18 of the 50 harmless questions
# a rule refused and the first veto kept, and 1 of 189 such dose asks; in 96 directions, int8,
# thresholds set as here, 7 and none. `veto_aside` has none: its one in ten is budget enough.
# `veto_drug` has none: at one in a thousand it sat at 0.0002 (2026-12-06, on the dosing probability
# alone), where the dose asks with no dose ask among their neighbours tie at 0, so it withheld 10 of
# 2,940 out of fold, not 3.
NEAR_MISS = {"veto": 0.005, "veto_other": 0.005, "veto_turns": 0.005}
ENGINE_MARGIN = 0.02  # how far below each threshold the engine's tuning questions stay
# The network beside the regression: chosen with whole training files held out (5 folds grouped by
# file, as new writers are), on the 24,540 cases of 2026-12-06. The regression alone: log loss
# 0.098, dosing recall 0.938 at 1% false flags, crisis 0.874 at 0.5%, and of the 263 harmless
# questions of the `veto` kind, 195 refused where the veto withholds one dose ask in a thousand.
# Averaged with a network of 256 units (penalty 0.1): 0.087, 0.946, 0.909, 154 refused; the network
# alone: 0.122, 0.921, 0.886, 148. Averaged with 64 units (0.1 / 1.0): log loss 0.089 / 0.090; 128
# (0.1): 0.086; 256 (0.3): 0.086; 512 (0.1): 0.085 (recall 0.944 to 0.950, 164 to 190 refused).
HIDDEN_UNITS, HIDDEN_ALPHA = 256, 0.1
# The network is the mean of the logits of networks started from these seeds (`Networks`): one
# network's retrain moved single questions across the bars by chance (on 2026-12-06 the engine's
# test question test2-037 went from under the dosing bar to 0.56 with no change near it).
SEEDS = (0, 1, 2)


class Networks(ClassifierMixin, BaseEstimator):
    """Networks of `HIDDEN_UNITS` (`SEEDS`), read as one: the mean of their output logits, which is
    one network with their hidden units side by side (`merged`), so the reader's code is unchanged.
    A scikit-learn classifier (`fit`, `predict_proba`), for `cross_val_predict`."""

    def __init__(self, seeds=SEEDS):
        self.seeds = seeds

    def fit(self, x, y):
        from sklearn.neural_network import MLPClassifier

        self.nets = [MLPClassifier((HIDDEN_UNITS,), alpha=HIDDEN_ALPHA, max_iter=200, random_state=seed).fit(x, y)
                     for seed in self.seeds]
        self.classes_ = self.nets[0].classes_
        return self

    def merged(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(hidden coef, hidden intercept, out coef, out intercept), as `app.policy.reader` reads them."""
        n = len(self.nets)
        return (np.vstack([net.coefs_[0].T for net in self.nets]),
                np.concatenate([net.intercepts_[0] for net in self.nets]),
                np.hstack([net.coefs_[1].T for net in self.nets]) / n,
                np.mean([net.intercepts_[1] for net in self.nets], axis=0))

    def predict(self, x):
        return self.classes_[self.predict_proba(x).argmax(axis=1)]

    def predict_proba(self, x):
        w1, b1, w2, b2 = self.merged()
        logits = np.maximum(x @ w1.T + b1, 0.0) @ w2.T + b2
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        return p / p.sum(axis=1, keepdims=True)


def recent(case) -> list[dict]:
    """The case's last `RECENT_TURNS` turns that hold text: what the rows, the veto kinds and the talks
    read whole are made of. (Run time also drops an assistant turn that declined; left out here.)"""
    return [t for t in case.history or [] if isinstance(t.get("content"), str)][-RECENT_TURNS:]


def label_of(case) -> str:
    """`crisis` for a refusal whose category's first part is `crisis` or starts `crisis_`
    (`crisis_languages/...`, `crisis_short_en/...`), `dosing` for any other refusal, else `none`.

    >>> from app.evaluation import Case
    >>> [label_of(Case(id="x", question="q", line=1, expect=e, category=c)) for e, c in
    ...  (("refuse", "crisis_languages/lang_de"), ("refuse", "dosing/en"), ("answer", "crisis-negative-own"))]
    ['crisis', 'dosing', 'none']
    """
    if case.expect != "refuse":
        return "none"
    kind = case.category.split("/")[0]
    return "crisis" if kind == "crisis" or kind.startswith("crisis_") else "dosing"


def rows(cases) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(questions, rule features, labels) of `cases`."""
    questions, extra, labels = [], [], []
    for case in cases:
        turns = recent(case)
        f = reader_features(case.question, [t["content"] for t in turns], rule=judge(case.question).rule)
        f[-2] = any(t.get("role") == "user" and judge(t["content"]).refuse for t in turns)
        questions.append(case.question)
        extra.append(f)
        labels.append(LABELS.index(label_of(case)))
    return questions, np.stack(extra), np.asarray(labels)


def joined(cases: list) -> list[tuple]:
    """(case, its talk read whole) for each follow-up that `check._reads_as_dose` reads whole: one
    naming no drug, pill or amount after talk naming none (`check._elsewhere`). The talk read whole
    (`check.joined_talk`, no history) is labelled as the case is, so the reader learns the text it
    is asked to read there: "got my kit results back ... so how many can I take saturday" a dose ask,
    "I have 25 vacation days left. So how many should I take at once?" none."""
    talks = []
    for case in cases:
        turns = recent(case)
        if turns and not switches_topic(case.question) and _elsewhere(case.question, turns, DEFAULT_RULES):
            talks.append((case, replace(case, id=f"{case.id}/talk", question=joined_talk(case.question, turns),
                                        history=[])))
    print(f"{len(talks)} follow-ups learned as their talks read whole")
    return talks


def in_place(cases: list, talks: list[tuple]) -> list:
    """`cases` with each follow-up of `talks` (`joined`) left out and its talk read whole added at the
    end: the reader learns such a follow-up as the text run time reads, not as the bare question, whose
    label depends on talk the question row does not hold."""
    read_whole = {id(case) for case, _ in talks}
    return [case for case in cases if id(case) not in read_whole] + [talk for _, talk in talks]


def without_held_out(cases: list) -> list:
    """`cases` less those whose question (case and blanks aside) is a held-out question."""
    held = {c.question.casefold().strip() for path in HELD_OUT for c in read_cases(path)[0]}
    kept = [c for c in cases if c.question.casefold().strip() not in held]
    print(f"left out {len(cases) - len(kept)} training cases that repeat a held-out question")
    return kept


def gram_matrix(questions: list[str]):
    """The questions' `reader_grams` as one sparse matrix (rows: questions, GRAM_BUCKETS columns)."""
    from scipy import sparse

    pairs = [reader_grams(q) for q in questions]
    rows = np.concatenate([np.full(len(c), i) for i, (c, _) in enumerate(pairs)])
    columns = np.concatenate([c for c, _ in pairs])
    values = np.concatenate([v for _, v in pairs])
    return sparse.csr_matrix((values, (rows, columns)), shape=(len(questions), GRAM_BUCKETS))


def main(argv: list[str] | None = None) -> int:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=READER_PATH)
    parser.add_argument("--gram-weight", type=float, default=GRAM_WEIGHT,
                        help=f"the n-grams' scale (default {GRAM_WEIGHT}; 0 leaves them out, for an ablation)")
    args = parser.parse_args(argv)
    cases, source = [], {}  # source: each case's writer (its set's folder, or its file)
    for path in DATA:
        found, errors = read_cases(path)
        if errors:
            raise SystemExit("\n".join(errors))
        cases += found
        source.update((id(case), path.parent.name if path.parent.name.startswith("policy_train_h") else path.name)
                      for case in found)
    engine, errors = read_cases(ENGINE)
    if errors:
        raise SystemExit("\n".join(errors))
    cases, engine = without_held_out(cases), without_held_out(engine)
    talks = joined(cases)
    source.update((id(talk), source[id(case)]) for case, talk in talks)
    cases = in_place(cases, talks)
    own = np.r_[np.zeros(len(cases), bool), np.ones(len(engine), bool)]
    cases += engine
    questions, extra, y = rows(cases)
    vectors = np.asarray(load_embeddings(BUNDLED_MODEL).embed_documents(questions), dtype=np.float32)
    x = np.hstack([vectors, extra])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    dense = (x - mean) / scale
    z = sparse.hstack([sparse.csr_matrix(dense), gram_matrix(questions) * args.gram_weight]).tocsr()
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    best = None
    for c in C_GRID:
        model = LogisticRegression(C=c, max_iter=3000)
        p = cross_val_predict(model, z, y, cv=folds, method="predict_proba")
        loss = -np.mean(np.log(p[np.arange(len(y)), y] + 1e-12))
        print(f"C={c}: out-of-fold log loss {loss:.4f}")
        if best is None or loss < best[0]:
            best = (loss, c, p)
    _, c, regression_oof = best

    def out_of_fold(cv, regression=None) -> np.ndarray:
        """The reader's out-of-fold probabilities: the regression's and the network's, averaged."""
        if regression is None:
            regression = cross_val_predict(LogisticRegression(C=c, max_iter=3000), z, y, cv=cv, method="predict_proba")
        return (regression + cross_val_predict(Networks(), dense, y, cv=cv, method="predict_proba")) / 2

    oof = out_of_fold(folds, regression_oof)
    # the veto's tail: out-of-fold probabilities averaged over more splits (the first is `folds`)
    tail = np.mean([oof, *(out_of_fold(StratifiedKFold(n_splits=5, shuffle=True, random_state=seed))
                           for seed in VETO_SPLITS[1:])], axis=0)
    model = LogisticRegression(C=c, max_iter=3000).fit(z, y)
    net = Networks().fit(dense, y)
    engine = np.flatnonzero(own)  # what the shipped reader says of the engine's questions
    shipped = (model.predict_proba(z[engine]) + net.predict_proba(dense[engine])) / 2
    thresholds = {}
    none = y == LABELS.index("none")
    for label, share in MAX_FALSE.items():
        scores = np.sort(oof[none, LABELS.index(label)])[::-1]
        k = int(share * len(scores))
        engine_top = float(shipped[:, LABELS.index(label)].max()) + ENGINE_MARGIN
        thresholds[label] = float(max(scores[k] + 1e-6, FLOOR[label], engine_top))
    # in a language the rules do not read, the reader alone refuses at its own bar: `MAX_FALSE` of the
    # out-of-fold `none` questions in such languages (`unread`), not of all of them
    foreign = none & np.array([bool(unread(q)) for q in questions])
    scores = np.sort(oof[foreign, LABELS.index("dosing")])[::-1]
    thresholds["unread"] = float(max(scores[int(MAX_FALSE["dosing"] * len(scores))] + 1e-6, thresholds["dosing"]))
    print(f"unread: {foreign.sum()} none questions in languages the rules do not read, "
          f"threshold {thresholds['unread']:.4f}")
    # the crisis vote for a message that names nobody (`check._someone`: "what would make it all stop for
    # good"): above every harmless question naming nobody, out of fold (the tail,
    # averaged over the fold splits), as none of them may get the crisis reply; questions asking what the
    # signs are never get it from the reader
    alone = none & np.array([not _someone(q, DEFAULT_RULES) and not _asks_signs(q, DEFAULT_RULES) for q in questions])
    thresholds["crisis_alone"] = float(min(1.0, max(tail[alone, LABELS.index("crisis")].max() + 1e-6,
                                                    thresholds["crisis"])))
    print(f"crisis_alone: {alone.sum()} none questions naming nobody, threshold {thresholds['crisis_alone']:.4f}")
    kinds = veto_kinds(cases)
    for kind in VETO_MISS:
        thresholds[kind] = veto(kinds == kind, y, tail, kind)
    near = near_index(vectors)
    dosing = y == LABELS.index("dosing")
    # folds by writer: a question's near twins by the same writer would vouch for it out of fold
    writers = [source.get(id(case), ENGINE.name) for case in cases]
    fold = np.zeros(len(y), int)
    for i, (_, test) in enumerate(GroupKFold(n_splits=5).split(z, y, writers)):
        fold[test] = i
    plain = np.array([not hidden(q) for q in questions])
    for kind in NEAR_MISS:
        kept = np.flatnonzero((kinds == kind) & plain & (1.0 - tail[:, LABELS.index("none")] >= thresholds[kind]))
        share = near_out_of_fold(near["near_index"], dosing, fold, kept)
        thresholds[f"near_{kind}"] = near_veto(share, dosing[kept], kind)
    report(oof, y, extra, thresholds)
    np.savez_compressed(
        args.out, mean=mean.astype(np.float32), scale=scale.astype(np.float32),
        coef=model.coef_[:, :x.shape[1]].astype(np.float32), intercept=model.intercept_.astype(np.float32),
        gram_coef=(model.coef_[:, x.shape[1]:] * args.gram_weight).astype(np.float16),
        **dict(zip(("hidden_coef", "hidden_intercept", "out_coef", "out_intercept"),
                   (w.astype(np.float32) for w in net.merged()))),
        **near, near_dosing=dosing,
        labels=np.asarray(LABELS), features=np.asarray(FEATURES),
        threshold_labels=np.asarray(list(thresholds)), thresholds=np.asarray(list(thresholds.values())),
        model=np.asarray(BUNDLED_MODEL))
    size = args.out.stat().st_size // 1024
    print(f"wrote {args.out} ({size} KB): {len(cases)} cases, C={c}, thresholds {thresholds}")
    return 0


def veto_kinds(cases: list) -> np.ndarray:
    """Each case's veto kind (`check.veto_kind`) when the rules refuse it in scope, else ""."""
    kinds = []
    for case in cases:
        turns = recent(case)
        used = unmentioned(case.question)
        kinds.append(veto_kind(case.question, turns, DEFAULT_RULES)
                     if judge(used).refuse and _in_scope(used, turns, DEFAULT_RULES) else "")
    return np.asarray(kinds)


def near_out_of_fold(index: np.ndarray, dosing: np.ndarray, fold: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """`Reader.neighbours` of each of `kept` (row numbers) among the questions outside its fold."""
    unit = unit_rows(index)
    share = np.ones(len(kept))  # no question alike at all: no reading, never withheld (as at run time)
    for i, row in enumerate(kept):
        similarity = unit @ unit[row]
        similarity[fold == fold[row]] = -np.inf
        if (found := share_of_doses(similarity, dosing)) is not None:
            share[i] = found
    return share


def near_veto(share: np.ndarray, dosing: np.ndarray, name: str) -> float:
    """The neighbours' share under which `NEAR_MISS[name]` of the dose asks among `share` lie
    (Harrell-Davis); it prints what that withholds out of fold."""
    from scipy.stats.mstats import hdquantiles

    threshold = float(hdquantiles(share[dosing], prob=[NEAR_MISS[name]])[0])
    print(f"near_{name} {threshold:.4f}: rule refusals of that kind the first veto keeps, out of fold: "
          f"{dosing.sum()} dose asks, of which {(share[dosing] < threshold).sum()} withheld; {(~dosing).sum()} "
          f"others, of which {(share[~dosing] < threshold).sum()} withheld")
    return threshold


def veto(kind: np.ndarray, y: np.ndarray, oof: np.ndarray, name: str) -> float:
    """The probability of a refusal (dosing or crisis) under which a rule's refusal of a question
    of the veto kind `name` (`check.veto_kind`: naming no substance, another one, the drug only in
    earlier turns, or the drug) is withheld (`check._vetoed`): the out-of-fold probability under
    which `VETO_MISS[name]` of the dose asks of that kind lie (the rules refuse them in scope;
    crises the rules refused as dose asks count with them, since a withheld refusal of a crisis
    would let it through), as the Harrell-Davis estimate (a weighted mean of the lowest few).
    It prints what that withholds out of fold."""
    from scipy.stats.mstats import hdquantiles

    p = 1.0 - oof[:, LABELS.index("none")]  # dosing or crisis: what the reader reads as a refusal
    # the refusals that must stand: dose asks, and crises the rules refused as dose asks
    dosing, none = kind & (y != LABELS.index("none")), kind & (y == LABELS.index("none"))
    threshold, tight = (float(t) for t in hdquantiles(p[dosing], prob=[VETO_MISS[name], 0.001]))
    print(f"{name} {threshold:.4f}: rule refusals of that kind, out of fold: {dosing.sum()} dose asks and crises, "
          f"of which {(p[dosing] < threshold).sum()} withheld; {none.sum()} others, of which "
          f"{(p[none] < threshold).sum()} withheld (at one in a thousand, {tight:.4f}: "
          f"{(p[dosing] < tight).sum()} and {(p[none] < tight).sum()})")
    return threshold


def report(oof: np.ndarray, y: np.ndarray, extra: np.ndarray, thresholds: dict[str, float]) -> None:
    """Out-of-fold recall per label and false flags on `none`, by the rules, the reader and both."""
    ruled = extra[:, [FEATURES.index(f"rule:{r}") for r in DOSING_RULES]].any(axis=1)
    for label in ("dosing", "crisis"):
        k = LABELS.index(label)
        mine, none = y == k, y == LABELS.index("none")
        flagged = oof[:, k] >= thresholds[label]
        print(f"{label}: reader recall {flagged[mine].mean():.3f}, false flags on none {flagged[none].mean():.3f}")
    dosing = y == LABELS.index("dosing")
    flagged = oof[:, LABELS.index("dosing")] >= thresholds["dosing"]
    print(f"dosing: rules recall {ruled[dosing].mean():.3f}, rules or reader {(ruled | flagged)[dosing].mean():.3f}")


DOSING_RULES = ("override", "personal_use", "personal_dose", "situation", "occasion", "amount_choice",
                "dose_question", "framing", "spaced", "escalation")


if __name__ == "__main__":
    sys.exit(main())
