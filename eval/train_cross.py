"""Train the cross-reader (`app/engine/cross.py`): the question and a sentence read together.

Reproduces `app/engine/cross.npz` from the shared data, on CPU, in about 18 minutes, after
the reader's candidates are collected:

    python eval/train_reader.py collect   # the candidates of every training question
    python eval/train_cross.py            # the adapters and the head, and out-of-fold logits
    python eval/train_reader.py fit       # the reader, with the cross-reader's logit a feature

The data is what `eval/train_reader.py collect` caches: the six SQuAD 2.0 `TRAIN` articles
(`../shared/data/squad2/`, CC BY-SA 4.0; the two held-out articles are never read) and
`eval/tuning.jsonl` over the default corpus. Each question's candidates are the sentences of
the passages the engine answers from; the pairs are its first `CROSS_TOP` candidates in the
engine's order (those the app reads), labelled as the reader labels them (a sentence that
holds a gold span, or a tuning case's evidence), and every positive further down.
The questions `collect` asks of the other corpus are read by the fold models of their own
questions (their logits are features of the reader's fit) but not trained on.

The model is the bundled all-MiniLM-L6-v2 with its bottom `FROZEN` layers as they are and
LoRA adapters (rank `RANK`) on every linear map of the layers above, plus a head
(`cross.read_out`): the scaled cosine of the question's and the candidate's mean token
states, which starts as a logistic fit on the untrained model's cosines (`calibrate`), so
training begins from the bi-encoder's notion of relevance rather than from nothing, and a
linear map of the mean of all token states, which starts at zero. The bottom layers' output
is computed once per pair and kept.
Three folds (two SQuAD articles and a third of the tuning cases each) give every question
logits from a model that never saw its fold (`WORK/cross.pkl`, which the reader's fit
reads, so its validation stays honest); then one model on everything is written. The
report, `eval/cross_validation.md`, says per fold how often the cross-reader's best
candidate is a gold one, against the engine's first-pass order.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(HERE))

from squad import TRAIN  # noqa: E402
from train_reader import DEFAULT_CORPUS, ELSEWHERE, Item, inside_of, load_items  # noqa: E402

from app.engine.cross import (  # noqa: E402
    CROSS_FILE,
    CROSS_TOP,
    MAX_TOKENS,
    CrossReader,
    pair_text,
    question_tokens,
    read_out,
)
from ingest.embed import BUNDLED_MODEL, model_location  # noqa: E402

FOLDS = 3
FROZEN = 3  # bottom layers kept as they are
RANK, ALPHA = 16, 32
TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value",
           "attention.output.dense", "intermediate.dense", "output.dense")
EPOCHS = 2
BATCH = 32
LR = 5e-4
SEED = 0
REPORT = HERE / "cross_validation.md"


def fold_of(item: Item) -> int:
    """A question's fold; one asked of the other corpus is in its own question's fold."""
    if item.group == DEFAULT_CORPUS:
        return zlib.crc32(item.qid.removeprefix(ELSEWHERE).encode()) % FOLDS
    return TRAIN.index(item.group) % FOLDS


def key(s) -> tuple[str, int, int]:
    return (s.sentence.source, s.sentence.start, s.sentence.end)


def pairs_of(item: Item) -> tuple[list, list]:
    """The candidates the app would read, then the positives further down; their labels."""
    inside = inside_of(item)
    read = inside[:CROSS_TOP]
    extra = [s for s in inside[CROSS_TOP:] if key(s) in item.positives]
    chosen = read + extra
    return chosen, [key(s) in item.positives for s in chosen]


class Lora:
    """A linear map plus a trainable low-rank update: W x + (ALPHA / RANK) B A x."""

    def __init__(self, torch, name: str, linear):
        self.linear = linear
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()) + SEED)
        scale = math.sqrt(linear.in_features)
        self.A = torch.nn.Parameter(torch.randn(RANK, linear.in_features, generator=gen) / scale)
        self.B = torch.nn.Parameter(torch.zeros(linear.out_features, RANK))
        self.scale = ALPHA / RANK
        linear.register_forward_hook(self._hook)

    def _hook(self, module, inputs, output):
        return output + self.scale * (inputs[0] @ self.A.T) @ self.B.T


def build(torch, base: str):
    """The base model, its bottom layers frozen, adapters on the top ones; and the head."""
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging
    transformers_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(base).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    adapters = {}
    for i in range(FROZEN, len(model.encoder.layer)):
        for t in TARGETS:
            name = f"encoder.layer.{i}.{t}"
            adapters[name] = Lora(torch, name, model.get_submodule(name))
    head = torch.nn.ParameterDict({
        "weight": torch.zeros(model.config.hidden_size), "bias": torch.zeros(()),
        "scale": torch.ones(()), "shift": torch.zeros(())})  # `read_out`: the cosine alone
    return model, adapters, head


def _mask(torch, attention):
    return (1.0 - attention[:, None, None, :].float()) * torch.finfo(torch.float32).min


def bottom_states(torch, model, tokenizer, questions: list[str], texts: list[str]) -> list:
    """Each pair's token states after the frozen layers, trimmed to its length (float16)."""
    out = []
    order = np.argsort([len(q) + len(t) for q, t in zip(questions, texts)], kind="stable")
    started = time.perf_counter()
    with torch.inference_mode():
        for n, at in enumerate(range(0, len(order), 64)):
            idx = order[at:at + 64]
            enc = tokenizer([questions[i] for i in idx], [texts[i] for i in idx], truncation="longest_first",
                            max_length=MAX_TOKENS, padding=True, return_tensors="pt")
            h = model.embeddings(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"])
            mask = _mask(torch, enc["attention_mask"])
            for layer in model.encoder.layer[:FROZEN]:
                h = layer(h, attention_mask=mask)
                h = h[0] if isinstance(h, tuple) else h
            lengths = enc["attention_mask"].sum(1).tolist()
            for j, i in enumerate(idx):
                out.append((int(i), h[j, :lengths[j]].to(torch.float16).clone()))
            if n % 100 == 0:
                print(f"  bottom layers: {at}/{len(order)} pairs ({time.perf_counter() - started:.0f} s)",
                      flush=True)
    out.sort(key=lambda p: p[0])
    return [h for _, h in out]


def top_logits(torch, model, head, states: list, question_tokens: list[int]):
    """The top layers and the head over a batch of kept states (and each pair's tokens of
    its question segment)."""
    width = max(len(h) for h in states)
    h = torch.zeros(len(states), width, states[0].shape[1])
    attention = torch.zeros(len(states), width)
    for j, s in enumerate(states):
        h[j, :len(s)] = s.float()
        attention[j, :len(s)] = 1.0
    mask = _mask(torch, attention)
    for layer in model.encoder.layer[FROZEN:]:
        h = layer(h, attention_mask=mask)
        h = h[0] if isinstance(h, tuple) else h
    return read_out(torch, h, attention, torch.tensor(question_tokens), head)


def batches(indices: list[int], states: list, rng: np.random.Generator) -> list[list[int]]:
    """Batches of `BATCH` pairs of similar length, in random order."""
    shuffled = rng.permutation(indices)
    chunks = [shuffled[i:i + BATCH * 20] for i in range(0, len(shuffled), BATCH * 20)]
    out = []
    for chunk in chunks:
        ordered = sorted(chunk, key=lambda i: len(states[i]))
        out += [ordered[i:i + BATCH] for i in range(0, len(ordered), BATCH)]
    return [out[i] for i in rng.permutation(len(out))]


def train(torch, base: str, states: list, segments: list[int], labels: np.ndarray,
          groups: list[tuple[int, int]], *, epochs: int = EPOCHS, lr: float = LR):
    """Fit adapters and head on the pairs of the questions `groups` (each a range of
    pairs); the model, adapters and head. The head's cosine scale and shift start where a
    logistic regression on the untrained model's cosines puts them (`calibrate`). The loss
    is binary cross-entropy per pair, the rare positives weighing half the negatives all
    together."""
    torch.manual_seed(SEED)
    model, adapters, head = build(torch, base)
    indices = [i for a, b in groups for i in range(a, b)]
    calibrate(torch, model, head, states, segments, labels, indices)
    params = [p for a in adapters.values() for p in (a.A, a.B)] + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    rng = np.random.default_rng(SEED)
    plan = [batches(indices, states, rng) for _ in range(epochs)]
    total = max(1, sum(len(p) for p in plan))  # no epochs: the calibrated untrained model
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: min(1.0, (step + 1) / 50) * max(0.0, 1 - step / total))
    positive = float(labels[indices].mean())
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - positive) / positive / 2))
    model.train()  # dropout in the top layers
    started, step = time.perf_counter(), 0
    for plan_batches in plan:
        running = []
        for batch in plan_batches:
            out = top_logits(torch, model, head, [states[i] for i in batch], [segments[i] for i in batch])
            loss = loss_fn(out, torch.tensor(labels[batch], dtype=torch.float32))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            running.append(loss.item())
            if step % 100 == 0:
                print(f"    step {step}/{total} loss {np.mean(running[-100:]):.3f} "
                      f"({time.perf_counter() - started:.0f} s)", flush=True)
    model.eval()
    return model, adapters, head


def calibrate(torch, model, head, states: list, segments: list[int], labels: np.ndarray,
              indices: list[int]) -> None:
    """Set the head's cosine scale and shift to a logistic regression of `labels` on the
    untrained model's cosines (every third pair of `indices`)."""
    from sklearn.linear_model import LogisticRegression
    sample = indices[::3]
    cosine = predict(torch, model, head, states, segments, sample)  # the head is the cosine alone
    fit = LogisticRegression(class_weight="balanced").fit(cosine[:, None], labels[sample])
    with torch.no_grad():
        head["scale"].fill_(float(fit.coef_[0, 0]))
        head["shift"].fill_(float(fit.intercept_[0]))


def predict(torch, model, head, states: list, segments: list[int], indices: list[int]) -> np.ndarray:
    out = np.zeros(len(indices))
    order = sorted(range(len(indices)), key=lambda j: len(states[indices[j]]))
    with torch.inference_mode():
        for at in range(0, len(order), 64):
            js = order[at:at + 64]
            out[js] = top_logits(torch, model, head, [states[indices[j]] for j in js],
                                 [segments[indices[j]] for j in js]).numpy()
    return out


def export(adapters: dict, head) -> dict[str, np.ndarray]:
    weights = {"lora_scale": np.array(ALPHA / RANK, dtype=np.float32)}
    for name, a in adapters.items():
        weights[f"{name}.A"] = a.A.detach().numpy().astype(np.float16)
        weights[f"{name}.B"] = a.B.detach().numpy().astype(np.float16)
    weights["head.weight"] = head["weight"].detach().numpy().astype(np.float32)
    weights["head.bias"] = head["bias"].detach().numpy().astype(np.float32).reshape(1)
    weights["head.cosine"] = np.array([head["scale"].item(), head["shift"].item()], dtype=np.float32)
    return weights


def fold_figures(items: list[Item], spans: dict, logits: np.ndarray, labels: np.ndarray) -> dict:
    """Per question with a gold candidate among those read: is the best by the cross-reader
    gold, and is the engine's first; and how well the best logit separates answerable
    questions from unanswerable ones (ROC AUC)."""
    cross_top = first_top = n = 0
    best, answerable = [], []
    for item in items:
        a, b = spans[item.qid]
        if a == b:
            continue
        read = min(CROSS_TOP, b - a)
        lg, lb = logits[a:a + read], labels[a:a + read]
        best.append(float(lg.max()))
        answerable.append(item.answerable)
        if item.answerable and lb.any():
            n += 1
            cross_top += bool(lb[int(np.argmax(lg))])
            first_top += bool(lb[0])
    from sklearn.metrics import roc_auc_score
    auc = roc_auc_score(answerable, best) if len(set(answerable)) == 2 else float("nan")
    return {"questions": len(best), "with_gold": n, "cross_first": cross_top / max(n, 1),
            "engine_first": first_top / max(n, 1), "auc": auc}


def segments_of(base: str, questions: list[str], texts: list[str]) -> list[int]:
    """Per pair, its tokens of the question segment, tokenized as the app does
    (`CrossReader.logits`)."""
    from transformers import AutoTokenizer
    enc = AutoTokenizer.from_pretrained(base)(questions, texts, truncation="longest_first",
                                               max_length=MAX_TOKENS, padding=True, return_tensors="pt")
    return question_tokens(enc).tolist()


def kept_states(torch, base: str, work: Path, questions: list[str], texts: list[str]) -> list:
    """`bottom_states` of the pairs, cached in `work` (keyed by the pairs and the settings)."""
    digest = zlib.crc32("\x00".join([str(FROZEN), str(MAX_TOKENS), *questions, *texts]).encode())
    cache = work / f"cross-states-{digest:08x}.pt"
    if cache.exists():
        return torch.load(cache)
    from transformers import AutoTokenizer
    model, _, _ = build(torch, base)
    states = bottom_states(torch, model, AutoTokenizer.from_pretrained(base), questions, texts)
    torch.save(states, cache)
    return states


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "reader-train")
    parser.add_argument("--out", type=Path, default=CROSS_FILE)
    parser.add_argument("--report", type=Path, default=REPORT)
    parser.add_argument("--folds", type=int, nargs="*", default=list(range(FOLDS)),
                        help="validate on these folds only (an experiment: writes no model)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--lr", type=float, default=LR)
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(2)
    started = time.perf_counter()
    base = model_location(BUNDLED_MODEL)[0]
    items = load_items(args.work)
    questions, texts, labels, owners = [], [], [], []
    spans, keys, groups = {}, [], []
    for item in items:
        chosen, lab = pairs_of(item)
        a = len(texts)
        spans[item.qid] = (a, a + len(chosen))
        for s, y in zip(chosen, lab):
            questions.append(item.assessment.query.question)
            texts.append(pair_text(s.sentence.heading, s.sentence.text))
            labels.append(y)
            keys.append((item.qid, *key(s)))
        # an answerable question whose gold sentence is no candidate: its labels are unknown;
        # a question asked of the other corpus is read (for the reader's fit), not trained on
        if chosen and (any(lab) or not item.answerable) and not item.elsewhere:
            groups.append((a, len(texts)))
            owners.append(fold_of(item))
    labels_arr = np.array(labels, dtype=bool)
    print(f"{len(items)} questions, {len(texts)} pairs ({int(labels_arr.sum())} positive), "
          f"{len(groups)} questions with known labels", flush=True)
    states = kept_states(torch, base, args.work, questions, texts)
    segments = segments_of(base, questions, texts)
    logits = np.zeros(len(texts))
    lines = ["# The cross-reader's validation", "",
             "Generated by `python eval/train_cross.py`; do not edit. Each row is one fold held out of the",
             "fit (two SQuAD 2.0 training articles and a third of the tuning cases). *Best is gold*: of the",
             "answerable questions with a gold sentence among the candidates read, how often the",
             "cross-reader's highest logit is on one, against the engine's first-pass first candidate.",
             "*AUC*: how well the best logit tells answerable questions from unanswerable ones.", "",
             "| held out | questions | with a gold candidate | best is gold: cross-reader | engine's first "
             "| AUC |", "|---|---:|---:|---:|---:|---:|"]
    for k in args.folds:
        fit_on = [g for g, owner in zip(groups, owners) if owner != k]
        held = [i for it in items if fold_of(it) == k for i in range(*spans[it.qid])]
        print(f"fold {k}: fit on {len(fit_on)} questions, hold out {len(held)} pairs", flush=True)
        model, _, head = train(torch, base, states, segments, labels_arr, fit_on, epochs=args.epochs, lr=args.lr)
        logits[held] = predict(torch, model, head, states, segments, held)
        names = sorted({it.group for it in items if fold_of(it) == k})
        f = fold_figures([it for it in items if fold_of(it) == k and not it.elsewhere], spans, logits,
                         labels_arr)
        lines.append(f"| {', '.join(names)} | {f['questions']} | {f['with_gold']} | {f['cross_first']:.3f} "
                     f"| {f['engine_first']:.3f} | {f['auc']:.3f} |")
        print(lines[-1], flush=True)
    if args.folds != list(range(FOLDS)):
        print("\n".join(lines))
        return 0
    f = fold_figures([it for it in items if not it.elsewhere], spans, logits, labels_arr)
    lines.append(f"| all folds | {f['questions']} | {f['with_gold']} | {f['cross_first']:.3f} "
                 f"| {f['engine_first']:.3f} | {f['auc']:.3f} |")
    with (args.work / "cross.pkl").open("wb") as fh:
        pickle.dump(dict(zip(keys, logits.tolist())), fh)
    print("final fit on every pair", flush=True)
    model, adapters, head = train(torch, base, states, segments, labels_arr, groups, epochs=args.epochs,
                                  lr=args.lr)
    weights = export(adapters, head)
    np.savez_compressed(args.out, **weights)
    check = CrossReader.load(args.out, base)
    sample = list(range(0, len(texts), max(1, len(texts) // 200)))
    shipped = np.concatenate([check.logits(questions[i], [texts[i]]) for i in sample])
    trained = predict(torch, model, head, states, segments, sample)
    gap = float(np.abs(shipped - trained).max())
    lines += ["", f"Fitted on {len(items)} questions, {len(texts)} pairs ({int(labels_arr.sum())} positive); "
              f"rank {RANK}, layers from {FROZEN} up adapted, {args.epochs} epochs at lr {args.lr}. "
              f"The shipped file's logits differ from "
              f"the trained model's by at most {gap:.3f} (float16 adapters, float16 kept states)."]
    if gap > 0.5:
        raise SystemExit(f"the shipped cross-reader differs from the trained one by {gap}")
    args.report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(f"\nwrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB), {args.work / 'cross.pkl'} and "
          f"{args.report} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
