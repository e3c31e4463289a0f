"""Train the reader (`app/engine/reader.py`): which sentence answers a question, and whether any does.

Reproduces `app/engine/reader.json` (and, by `eval/train_cross.py`, `app/engine/cross.npz`)
from the shared data, on CPU, in about 30 minutes:

    python eval/train_reader.py            # collect, train the cross-reader, fit and write the model
    python eval/train_reader.py collect    # only the candidates (cached in --work)
    python eval/train_reader.py fit        # only the fit, from the cache

Where the data comes from:
- SQuAD 2.0 (`../shared/data/squad2/train-articles.json`, CC BY-SA 4.0; see its README):
  only the six `TRAIN` articles of `eval/squad.py`. The two held-out articles are never
  read here: they are the second-corpus gate's.
- The project's own tuning cases, `eval/tuning.jsonl`, over the default corpus `corpus/`
  (never `eval/questions.jsonl`, the held-out test set).

`collect` ingests the six articles as one corpus and the default corpus as another, and
asks the engine (`Engine.assess`, with more passages than it answers from) for each
question's candidate sentences and the figures the reader's features are made of. A
candidate is a positive when its file span contains the gold answer span (SQuAD) or holds
an evidence sentence of the case (tuning cases); every candidate of an unanswerable
question is a negative. Then it asks each corpus the other's questions (`collect_elsewhere`):
the tuning cases asked of the six articles, every `ELSEWHERE_EVERY`th SQuAD question asked
of the default corpus. Neither corpus answers the other's questions, so these are unanswerable
questions as users ask them of a corpus about something else, with real sentences that
share a word or a kind with them; SQuAD's own unanswerable questions were written to look
answerable by their paragraph, so without these the fit sees few questions off the subject.

`fit` turns them into `reader.FEATURES` rows, validates leave-one-group-out (each SQuAD
article in turn, and the default corpus, held out of the fit), with each group of
features left out in turn (the ablations, with `--ablations`: each is another full
validation, so they are not part of the reproduction), then fits on all of it and writes the model,
with the threshold chosen by that validation, and the report (`eval/reader_validation.md`). The model
is a small gradient-boosted tree ensemble (scikit-learn's `HistGradientBoostingClassifier`,
fixed seed) saved as plain arrays, so the app runs it with numpy alone.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(HERE))

from squad import DEFAULT_DATA, TRAIN, article_text, file_name, load_articles  # noqa: E402

from app.engine import Engine  # noqa: E402
from app.engine.align import Aligner  # noqa: E402
from app.engine.cross import CROSS_TOP, UNREAD  # noqa: E402
from app.engine.reader import (  # noqa: E402
    FEATURES,
    QUESTION_FEATURES,
    READER_FILE,
    Candidate,
    Reader,
    choose,
    features,
    question_features,
)
from app.evaluation import read_cases  # noqa: E402
from app.settings import Settings  # noqa: E402
from ingest.embed import BUNDLED_MODEL, load_embeddings  # noqa: E402
from ingest.index import ingest  # noqa: E402

COLLECT_TOP_K = 8  # passages per question collected; the fit keeps those the engine reads
ELSEWHERE_EVERY = 3  # every third SQuAD training question is also asked of the default corpus
ELSEWHERE = "elsewhere:"  # the id prefix of a question asked of the other corpus
TUNING = HERE / "tuning.jsonl"
DEFAULT_CORPUS = "default"
REPORT = HERE / "reader_validation.md"


@dataclass
class Item:
    """One question and what the engine found for it."""

    group: str  # the article (SQuAD) or "default": the unit of validation
    qid: str
    question: str
    answerable: bool
    assessment: object  # app.engine.Assessment, vectors dropped
    positives: set = field(default_factory=set)  # (source, start, end) of the answer sentences
    elsewhere: bool = False  # asked of the other corpus, which does not answer it


def _slim(found):
    """The assessment without its vectors (they are big and the features do not read them)."""
    empty = np.zeros(0, dtype=np.float32)
    return replace(found, vector=empty, scored=[replace(s, vector=empty) for s in found.scored])


class _Unread:
    """A cross-reader that reads nothing: `collect` keeps no cross-reader logit (the fit
    reads the out-of-fold ones of `eval/train_cross.py`), so it need not pay for them."""

    def logits(self, question: str, texts: list[str]) -> np.ndarray:
        return np.full(len(texts), UNREAD)


def _engine(corpus: Path, data: Path) -> tuple[Engine, object]:
    settings = Settings(corpus_dir=corpus, data_dir=data, top_k=COLLECT_TOP_K)
    report = ingest(settings)
    print(f"  ingested {corpus}: {report}", flush=True)
    return Engine(settings, cross=_Unread()), settings


def collect_squad(work: Path, data_file: Path) -> tuple[list[Item], Engine]:
    articles = load_articles(data_file)
    corpus = work / "squad-train" / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    golds = {}  # qid -> [(source, start, end)] of the gold spans in the file
    questions = []
    for title in TRAIN:
        article = articles[title]
        text, offsets = article_text(article)
        source = file_name(title)
        (corpus / source).write_text(text, encoding="utf-8")
        for paragraph, at in zip(article["paragraphs"], offsets):
            for qa in paragraph["qas"]:
                spans = [(source, at + a["answer_start"], at + a["answer_start"] + len(a["text"]))
                         for a in qa["answers"]]
                golds[qa["id"]] = spans
                questions.append((title, qa["id"], qa["question"], not qa["is_impossible"]))
    engine, _ = _engine(corpus, work / "squad-train" / "data")
    items = []
    started = time.perf_counter()
    for n, (title, qid, question, answerable) in enumerate(questions, 1):
        found = engine.assess(question)
        positives = {(s.sentence.source, s.sentence.start, s.sentence.end) for s in found.scored
                     if answerable and any(src == s.sentence.source and s.sentence.start <= a
                                           and b <= s.sentence.end for src, a, b in golds[qid])}
        items.append(Item(title, qid, question, answerable, _slim(found), positives))
        if n % 250 == 0:
            print(f"  squad {n}/{len(questions)} ({time.perf_counter() - started:.0f} s)", flush=True)
    return items, engine


def _squash(text: str) -> str:
    return " ".join(text.casefold().split())


def holds_answer(case, sentence) -> bool:
    """Whether a sentence answers a tuning case: it holds every `must_include` group (as the
    evaluator checks), or it is one of the case's evidence sentences."""
    text = _squash(sentence.text)
    if case.must_include and all(any(_squash(alt) in text for alt in group) for group in case.must_include):
        return True
    evidence = [_squash(e) for e in case.extra.get("evidence", []) if isinstance(e, str) and e.strip()]
    return any(e in _squash(sentence.quote) or (len(text) > 30 and text in e) for e in evidence)


def collect_default(work: Path) -> tuple[list[Item], Engine]:
    cases, problems = read_cases(TUNING)
    if problems:
        raise SystemExit("\n".join(problems))
    engine, _ = _engine(PROJECT / "corpus", work / "default" / "data")
    items = []
    for case in cases:
        if case.expect not in ("answer", "decline"):
            continue
        found = engine.assess(case.question, case.history)
        answerable = case.expect == "answer"
        positives = {(s.sentence.source, s.sentence.start, s.sentence.end) for s in found.scored
                     if answerable and holds_answer(case, s.sentence)}
        items.append(Item(DEFAULT_CORPUS, case.id, case.question, answerable, _slim(found), positives))
    return items, engine


def collect_elsewhere(squad: list[Item], squad_engine: Engine, default: list[Item],
                      default_engine: Engine) -> list[Item]:
    """Each corpus asked the other's questions: every tuning question (but follow-ups, which
    lean on their earlier turns) asked of the SQuAD articles, every `ELSEWHERE_EVERY`th SQuAD
    question asked of the default corpus. Each stays in its own group, so validation holds it out
    with the question it was written as."""
    asked = [(it, squad_engine) for it in default if not it.assessment.query.followup]
    asked += [(it, default_engine) for it in squad[::ELSEWHERE_EVERY]]
    return [Item(it.group, ELSEWHERE + it.qid, it.question, False, _slim(engine.assess(it.question)),
                 elsewhere=True) for it, engine in asked]


def collect(work: Path, data_file: Path, *, only_default: bool = False) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if only_default:  # the SQuAD part as collected before
        squad = [it for it in load_items(work) if it.group != DEFAULT_CORPUS and not it.elsewhere]
        squad_engine, _ = _engine(work / "squad-train" / "corpus", work / "squad-train" / "data")
    else:
        squad, squad_engine = collect_squad(work, data_file)
    default, default_engine = collect_default(work)
    elsewhere = collect_elsewhere(squad, squad_engine, default, default_engine)
    out = work / "items.pkl"
    with out.open("wb") as fh:
        pickle.dump(squad + default + elsewhere, fh)
    print(f"collected {len(squad)} SQuAD and {len(default)} tuning questions, and {len(elsewhere)} asked of "
          f"the other corpus, in {time.perf_counter() - started:.0f} s -> {out}", flush=True)
    return out


def load_items(work: Path) -> list[Item]:
    with (work / "items.pkl").open("rb") as fh:
        return pickle.load(fh)


# --- the fit
TOP_K = 5  # passages the engine answers from (app.settings.DEFAULT_TOP_K)
SENTENCE_PARAMS = {"max_iter": 150, "learning_rate": 0.06, "max_leaf_nodes": 12, "min_samples_leaf": 40,
                   "l2_regularization": 1.0, "random_state": 0}
QUESTION_C = 1.0  # inverse L2 penalty of the question model
RELATIVE = 0.6  # further sentences need this share of the best one's probability
LIMIT = 3  # sentences per answer (app.settings: max_answer_sentences)
DEFAULT_SHARE = 0.5


@dataclass
class Fold:
    """One question in validation: its rows and labels, and what the models held out of
    its group gave it."""

    item: Item
    rows: np.ndarray
    labels: np.ndarray
    inside: list
    probabilities: np.ndarray = None
    question_row: np.ndarray = None
    answered: float = 0.0


def inside_of(item: Item, top_k: int = TOP_K) -> list:
    """The item's candidates the engine reads: the sentences of its first `top_k` passages."""
    passages = item.assessment.passages[:top_k]
    return [s for s in item.assessment.scored if any(
        p.chunk.source == s.sentence.source and p.chunk.start <= s.sentence.start
        and s.sentence.end <= p.chunk.end for p in passages)]


def rows_of(item: Item, top_k: int = TOP_K, drop: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray, list]:
    """Feature rows, labels and the scored candidates of an item, as the engine would see them."""
    found = item.assessment
    passages = found.passages[:top_k]
    inside = inside_of(item, top_k)
    aligned = _aligner().figures(found.query.question, [s.sentence.text for s in inside])
    crossed = np.full(len(inside), UNREAD)
    for i, s in enumerate(inside[:CROSS_TOP]):
        crossed[i] = CROSS_LOGITS[(item.qid, s.sentence.source, s.sentence.start, s.sentence.end)]
    x = features(found.query, found.weights, inside, passages, found.scores.get("unknown", 0.0), aligned,
                 crossed)
    for name in drop:
        x[:, FEATURES.index(name)] = 0.0
    y = np.array([(s.sentence.source, s.sentence.start, s.sentence.end) in item.positives
                  for s in inside], dtype=bool)
    return x, y, inside


CROSS_LOGITS: dict[tuple, float] = {}  # (qid, source, start, end) -> out-of-fold logit


def load_cross_logits(work: Path) -> None:
    """The cross-reader's out-of-fold logits, which `eval/train_cross.py` wrote."""
    try:
        with (work / "cross.pkl").open("rb") as fh:
            CROSS_LOGITS.update(pickle.load(fh))
    except FileNotFoundError:
        raise SystemExit(f"{work / 'cross.pkl'} is missing: run `python eval/train_cross.py` "
                         "after `collect` and before `fit`") from None


@lru_cache(maxsize=1)
def _aligner() -> Aligner:
    """The token aligner on the bundled model, which `collect` ingests with."""
    return Aligner(load_embeddings(BUNDLED_MODEL), size=1_000_000)


_ROWS: dict[int, tuple] = {}


def _rows(item: Item) -> tuple[np.ndarray, np.ndarray, list]:
    """`rows_of(item)`, computed once per run (the ablations reuse it)."""
    if id(item) not in _ROWS:
        _ROWS[id(item)] = rows_of(item)
    return _ROWS[id(item)]


def group_weights(folds: list[Fold]) -> np.ndarray:
    """One weight per question: the default corpus's questions weigh as much, all together,
    as `DEFAULT_SHARE` of the SQuAD ones; those differ in kind (crowd questions written while
    reading one paragraph, against the team's questions over the whole corpus)."""
    n_default = sum(f.item.group == DEFAULT_CORPUS for f in folds)
    n_squad = len(folds) - n_default
    heavy = DEFAULT_SHARE * n_squad / n_default if n_default and n_squad else 1.0
    return np.array([heavy if f.item.group == DEFAULT_CORPUS else 1.0 for f in folds])


def _fit_sentences(folds: list[Fold]):
    """The sentence model, on the questions whose labels are known: an answerable question
    whose answer sentence is not among its candidates says nothing about them. Questions
    asked of the other corpus are left to the question model: in the sentence model they
    moved the most probable sentence off the key fact on the default corpus's held-out
    questions (first sentence 99 to 96 of 165) for two more gold answers of 320 on SQuAD's."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    known = [f for f in folds if len(f.rows) and (f.labels.any() or not f.item.answerable)
             and not f.item.elsewhere]
    weights = group_weights(known)
    x = np.vstack([f.rows for f in known])
    y = np.concatenate([f.labels for f in known])
    w = np.concatenate([np.full(len(f.rows), wt) for f, wt in zip(known, weights)])
    return HistGradientBoostingClassifier(**SENTENCE_PARAMS).fit(x, y, sample_weight=w)


class _Question:
    """The question model: standardize, then an L2 logistic regression."""

    def __init__(self):
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler
        self.scaler, self.model = StandardScaler(), LogisticRegression(C=QUESTION_C, max_iter=5000)

    def fit(self, x: np.ndarray, y: np.ndarray, weights: np.ndarray):
        self.model.fit(self.scaler.fit_transform(x), y, sample_weight=weights)
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(self.scaler.transform(x))

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return self.model.decision_function(self.scaler.transform(x))

    def export(self) -> dict:
        scale = np.where(self.scaler.scale_ > 0, self.scaler.scale_, 1.0)
        return {"features": list(QUESTION_FEATURES), "mean": self.scaler.mean_.tolist(),
                "scale": scale.tolist(), "coef": self.model.coef_[0].tolist(),
                "bias": float(self.model.intercept_[0])}


def export_trees(model, names: tuple[str, ...]) -> dict:
    """A fitted ensemble as the arrays `reader.Trees` reads."""
    feature, split, left, right, leaf, value, roots = [], [], [], [], [], [], []
    depth = 0
    for (tree,) in model._predictors:  # one tree per iteration (binary)
        base = len(feature)
        roots.append(base)
        for i, n in enumerate(tree.nodes):
            is_leaf = bool(n["is_leaf"])
            feature.append(int(n["feature_idx"]))
            split.append(float(n["num_threshold"]))
            left.append(base + i if is_leaf else base + int(n["left"]))  # a leaf points at itself
            right.append(base + i if is_leaf else base + int(n["right"]))
            leaf.append(is_leaf)
            value.append(float(n["value"]) if is_leaf else 0.0)
            depth = max(depth, int(n["depth"]))
    return {"features": list(names), "baseline": float(np.ravel(model._baseline_prediction)[0]),
            "depth": depth, "roots": roots,
            "nodes": {"feature": feature, "threshold": split, "left": left, "right": right,
                      "leaf": leaf, "value": value}}


def sentence_cv(items: list[Item], drop: tuple[str, ...] = ()) -> list[Fold]:
    """Leave one group (a SQuAD article, or the default corpus) out: each question's sentence
    probabilities from a model fitted without its group."""
    folds = []
    for it in items:
        x, y, inside = _rows(it)
        x = x.copy()
        x[:, [FEATURES.index(name) for name in drop]] = 0.0
        folds.append(Fold(it, x, y, inside))
    for g in sorted({f.item.group for f in folds}):
        model = _fit_sentences([f for f in folds if f.item.group != g])
        for f in folds:
            if f.item.group == g:
                f.probabilities = model.predict_proba(f.rows)[:, 1] if len(f.rows) else np.zeros(0)
                f.question_row = question_features(f.rows, f.probabilities)
    return folds


def question_cv(folds: list[Fold]) -> None:
    """Leave one group out again, on the question rows: whether the question is answered."""
    for g in sorted({f.item.group for f in folds}):
        train = [f for f in folds if f.item.group != g]
        model = _Question().fit(np.vstack([f.question_row for f in train]),
                                np.array([f.item.answerable for f in train]), group_weights(train))
        held = [f for f in folds if f.item.group == g]
        for f, p in zip(held, model.predict_proba(np.vstack([f.question_row for f in held]))[:, 1]):
            f.answered = float(p)


def outcome(f: Fold, threshold: float) -> dict:
    """What the engine would do for this question, against its labels."""
    answered = len(f.rows) > 0 and f.answered >= threshold
    out = {"answerable": f.item.answerable, "answered": answered, "gold_first": False, "gold_in": False}
    if answered:
        chosen = choose([Candidate(s, float(p)) for s, p in zip(f.inside, f.probabilities)],
                        limit=LIMIT, relative=RELATIVE)
        keys = [(c.scored.sentence.source, c.scored.sentence.start, c.scored.sentence.end) for c in chosen]
        out["gold_first"] = bool(keys) and keys[0] in f.item.positives
        out["gold_in"] = any(k in f.item.positives for k in keys)
    out["right"] = (answered and out["gold_in"]) if f.item.answerable else not answered
    out["decision"] = answered == f.item.answerable
    return out


def figures(outs: list[dict]) -> dict:
    ans = [o for o in outs if o["answerable"]]
    una = [o for o in outs if not o["answerable"]]
    def mean(xs):
        return sum(xs) / len(xs) if xs else float("nan")
    return {"n": len(outs), "accuracy_gold": mean([o["right"] for o in outs]),
            "decision": mean([o["decision"] for o in outs]),
            "gold_in": mean([o["gold_in"] for o in ans]), "gold_first": mean([o["gold_first"] for o in ans]),
            "declined_unanswerable": mean([not o["answered"] for o in una])}


def by_group(folds: list[Fold]) -> dict[str, list[Fold]]:
    groups: dict[str, list[Fold]] = {}
    for f in folds:
        groups.setdefault(f.item.group, []).append(f)
    return groups


def best_threshold(folds: list[Fold]) -> float:
    """The threshold with the best mix of the two kinds of held-out group, each counted
    half: the SQuAD articles' decision accuracy with an answer right only when it holds a
    gold sentence (mean over articles), and the default corpus's decision accuracy (its
    tuning cases name key facts, not spans, so a gold sentence is found for only some).
    A group's questions count wherever they were asked (`collect_elsewhere`)."""
    groups = by_group(folds)
    def score(t):
        squad = [figures([outcome(f, t) for f in fs])["accuracy_gold"] for g, fs in groups.items()
                 if g != DEFAULT_CORPUS]
        parts = [np.mean(squad)] if squad else []
        if DEFAULT_CORPUS in groups:
            parts.append(figures([outcome(f, t) for f in groups[DEFAULT_CORPUS]])["decision"])
        return np.mean(parts)
    grid = np.round(np.arange(0.05, 0.95, 0.01), 2)
    return float(max(grid, key=lambda t: (score(t), -abs(t - 0.5))))


def report(folds: list[Fold], threshold: float, title: str, lines: list[str]) -> float:
    """Add a Markdown table of the held-out groups' figures to `lines`; the mean figure."""
    lines += [f"\n### {title} (threshold {threshold:.2f})\n",
              "| held out | questions | decision accuracy | with gold | gold in answer | gold first "
              "| unanswerable declined |", "|---|---:|---:|---:|---:|---:|---:|"]
    means = []
    for g, fs in by_group([f for f in folds if not f.item.elsewhere]).items():
        f = figures([outcome(x, threshold) for x in fs])
        means.append(f["accuracy_gold"])
        lines.append(f"| {g} | {f['n']} | {f['decision']:.3f} | {f['accuracy_gold']:.3f} | {f['gold_in']:.3f} "
                     f"| {f['gold_first']:.3f} | {f['declined_unanswerable']:.3f} |")
    lines.append(f"| mean over held-out groups | | | {np.mean(means):.3f} | | | |")
    elsewhere = figures([outcome(x, threshold) for x in folds if x.item.elsewhere])
    if elsewhere["n"]:
        lines.append(f"| each group's questions asked of the other corpus | {elsewhere['n']} "
                     f"| {elsewhere['decision']:.3f} | | | | {elsewhere['declined_unanswerable']:.3f} |")
    return float(np.mean(means))


ABLATIONS = {
    "without semantic similarity": ("semantic", "semantic_gap", "best_semantic"),
    "without lexical coverage": ("lexical", "cover_sentence", "cover_context", "cover_gap", "best_cover", "pairs"),
    "without missing-subject figures": ("missing_sentence", "missing_context", "names_missing",
                                        "names_missing_context", "numbers_missing", "unknown"),
    "without question kind / answer type": ("ask_who", "ask_when", "ask_where", "ask_count", "ask_why",
                                            "ask_how", "ask_what", "has_number", "has_year", "has_new_name",
                                            "has_month", "type_found"),
    "without token alignment": ("align_mean", "align_min", "align_second", "align_weak", "align_gap",
                                "align_min_gap"),
    "without the cross-reader": ("cross", "cross_gap", "best_cross"),
}


def validate(items: list[Item], drop: tuple[str, ...] = ()) -> list[Fold]:
    folds = sentence_cv(items, drop)
    question_cv(folds)
    return folds


def fit_and_write(items: list[Item], *, out: Path = READER_FILE, report_path: Path = REPORT,
                  ablations: bool = False) -> None:
    """Validate (and, if asked, each ablation), fit on everything, write the model and the report."""
    started = time.perf_counter()
    lines = ["# The reader's validation", "",
             "Generated by `python eval/train_reader.py`; do not edit. Each row is one group held out",
             "of both models' fit (leave one group out): a SQuAD 2.0 training article, or the default",
             "corpus's tuning cases. *With gold*: decision accuracy counting an answer right only when",
             "it holds a gold sentence (for the default corpus a gold sentence is known for only about",
             "half the answerable cases, so its decision accuracy is the figure to read). The last row:",
             "each group's questions asked of the other corpus, which answers none of them."]
    folds = validate(items)
    threshold = best_threshold(folds)
    full = report(folds, threshold, "All features", lines)
    lines += ["", "## Ablations: each group of features left out"]
    if not ablations:
        lines.append("\nNot run: `python eval/train_reader.py fit --ablations` adds them.")
    for name, drop in ABLATIONS.items() if ablations else ():
        other = validate(items, drop)
        mean = report(other, best_threshold(other), name, lines)
        lines.append(f"\nMean with gold {mean:.3f}: {mean - full:+.3f} against all features.")
    usable = [f for f in folds if len(f.rows)]
    x = np.vstack([f.rows for f in usable])
    y = np.concatenate([f.labels for f in usable])
    sentence = _fit_sentences(folds)
    q = np.vstack([f.question_row for f in folds])
    question = _Question().fit(q, np.array([f.item.answerable for f in folds]), group_weights(folds))
    spec = {"sentence": export_trees(sentence, FEATURES), "question": question.export(),
            "threshold": round(threshold, 4), "relative": RELATIVE,
            "trained_on": "SQuAD 2.0 dev, articles " + ", ".join(TRAIN) + "; eval/tuning.jsonl; "
                          "each corpus asked the other's questions",
            "params": {"sentence": SENTENCE_PARAMS, "question_c": QUESTION_C}}
    reader = Reader(spec)
    gaps = [float(np.abs(reader.sentence.logits(x[:3000]) - sentence.decision_function(x[:3000])).max()),
            float(np.abs(reader.question.logits(q) - question.decision_function(q)).max())]
    if max(gaps) > 1e-6:
        raise SystemExit(f"the exported model differs from the fitted one by {max(gaps)}")
    out.write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")
    lines += ["", f"Fitted on {len(items)} questions, {len(y)} candidate sentences ({int(y.sum())} positive)."]
    report_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwrote {out} ({out.stat().st_size / 1024:.0f} KB) and {report_path} "
          f"in {time.perf_counter() - started:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", nargs="?", choices=["collect", "collect-default", "fit", "all"],
                        default="all")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "reader-train")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=READER_FILE, help="where the model goes")
    parser.add_argument("--report", type=Path, default=REPORT, help="where the validation report goes")
    parser.add_argument("--ablations", action="store_true",
                        help="validate again with each group of features left out (about 4 minutes each)")
    args = parser.parse_args(argv)
    if args.step in ("collect", "collect-default", "all"):
        collect(args.work, args.data, only_default=args.step == "collect-default")
    if args.step == "all":
        import train_cross  # the cross-reader's out-of-fold logits are features of the fit
        train_cross.main(["--work", str(args.work)])
    if args.step in ("fit", "all"):
        load_cross_logits(args.work)
        fit_and_write(load_items(args.work), out=args.out, report_path=args.report,
                      ablations=args.ablations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
