"""What the multiclass demos (digits, yinyang) share: a seeded train / validation / test split, minibatch Adam on
softmax cross-entropy (eager, or replayed by ``engine.compile``), early stopping on the validation loss, the
loss-curve and confusion-matrix pictures, and ``run_demo``: their whole pipeline from the parsed command line to
the test accuracy of the reloaded model."""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import engine
from demos._common import progress, pyplot, save, say
from engine import Value, no_grad
from nn import MLP, Adam, accuracy, losses, minibatches

Example = tuple[Sequence[float], int]  # (features, class index)
BACKENDS = ("python", "numpy")  # engine.compile backends the demos offer; None in code means eager
DEFAULT_BACKEND = "numpy"  # the fastest for minibatches: one vectorised replay per batch


def split(n: int, fractions: tuple[float, float], seed: int) -> tuple[list[int], list[int], list[int]]:
    """Indices 0..n-1 shuffled by ``random.Random(seed)`` and cut into train / validation / test: the validation
    and test parts get ``round(fraction * n)`` indices each, training the rest. Disjoint, and together all of them."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_val, n_test = (round(fraction * n) for fraction in fractions)
    n_train = n - n_val - n_test
    return order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]


def one_hot(label: int, classes: int) -> list[float]:
    """[0, ..., 1, ..., 0]: 1.0 at ``label``."""
    return [1.0 if k == label else 0.0 for k in range(classes)]


def cross_entropy_one_hot(logits: list[Value], target: Sequence[Value | float]) -> Value:
    """``losses.cross_entropy(logits, label)`` with the label given as a one-hot row: log Σ e^z - Σ target·z.

    NB: a compiled function's arguments are traced as Values, and a class index that is a Value cannot pick a
    logit; a one-hot row can (a dot product). ``cross_entropy(logits, 0) + logits[0]`` is the stable log Σ e^z.
    """
    return losses.cross_entropy(logits, 0) + logits[0] - engine.dot(target, logits)


LossFn = Callable[[list[Example], bool], float]  # (examples, with_grad) -> mean cross-entropy


def loss_function(model: MLP, classes: int, backend: str | None) -> LossFn:
    """The mean cross-entropy of a list of examples; ``with_grad`` also adds its gradient into ``p.grad``.

    ``backend`` None: eager chainrule (a graph per call). "python" / "numpy": the loss of ONE example is traced
    once by ``engine.compile`` and ``compiled.batch`` replays it over the examples.
    """
    if backend is None:

        def eager(examples: list[Example], with_grad: bool) -> float:
            if not with_grad:
                with no_grad():
                    return losses.cross_entropy([model(x) for x, _ in examples], [y for _, y in examples]).data
            loss = losses.cross_entropy([model(x) for x, _ in examples], [y for _, y in examples])
            loss.backward()
            return loss.data

        return eager
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS} or None (eager), got {backend!r}")
    parameters = model.parameters()
    compiled = engine.compile(
        lambda x, target: cross_entropy_one_hot(model(x), target),
        parameters,
        backend=backend,
        names=dict(model.named_parameters()),
    )

    def replay(examples: list[Example], with_grad: bool) -> float:
        saved = None if with_grad else [p.grad for p in parameters]
        loss = compiled.batch([x for x, _ in examples], [one_hot(y, classes) for _, y in examples])
        if saved is not None:  # batch always adds the gradient: put the grads back as they were
            for parameter, grad in zip(parameters, saved):
                parameter.grad = grad
        return loss

    return replay


@dataclass
class Run:
    """What ``train`` did: per-epoch losses, the best epoch (1-based), which example indices it trained on."""

    train_losses: list[float] = field(default_factory=list)  # mean loss over each epoch's minibatches
    val_losses: list[float] = field(default_factory=list)  # validation loss after each epoch
    best_epoch: int = 0
    stopped_early: bool = False
    seconds: float = 0.0  # wall time of the training loop
    seen: set[int] = field(default_factory=set)  # indices of the examples any gradient was computed on


def train(
    model: MLP,
    examples: Sequence[Example],
    train_indices: Sequence[int],
    val_indices: Sequence[int],
    *,
    classes: int,
    epochs: int,
    batch_size: int,
    lr: float,
    patience: int,
    seed: int,
    backend: str | None,
    quiet: bool = False,
    desc: str = "epochs",
) -> Run:
    """Minibatch Adam on the mean cross-entropy of ``examples[train_indices]``, the batches shuffled by one
    ``random.Random(seed)``; after each epoch the loss on ``examples[val_indices]``. Early stopping: it stops after
    ``patience`` epochs without a new lowest validation loss, and leaves the model with the weights of the best
    epoch. ``backend``: None (eager), "python" or "numpy" (``engine.compile``)."""
    loss_of = loss_function(model, classes, backend)
    optimizer = Adam(model.parameters(), lr=lr)
    batch_rng = random.Random(seed)
    val_set = [examples[i] for i in val_indices]
    run = Run()
    best_loss, best_state, waited = float("inf"), model.state_dict(), 0
    start = time.perf_counter()
    bar = progress(range(1, epochs + 1), total=epochs, desc=desc, quiet=quiet)
    for epoch in bar:
        total = 0.0
        for batch in minibatches(list(train_indices), batch_size, rng=batch_rng):
            optimizer.zero_grad()
            total += loss_of([examples[i] for i in batch], True) * len(batch)
            optimizer.step()
            run.seen.update(batch)
        run.train_losses.append(total / len(train_indices))
        run.val_losses.append(loss_of(val_set, False))
        if hasattr(bar, "set_postfix"):
            bar.set_postfix(train=f"{run.train_losses[-1]:.4f}", val=f"{run.val_losses[-1]:.4f}")
        if run.val_losses[-1] < best_loss:
            best_loss, best_state, waited, run.best_epoch = run.val_losses[-1], model.state_dict(), 0, epoch
        else:
            waited += 1
            if waited >= patience:
                run.stopped_early = True
                break
    run.seconds = time.perf_counter() - start
    model.load_state_dict(best_state)
    return run


def scores(model: MLP, inputs: Sequence[Sequence[float]]) -> list[list[float]]:
    """The logits of each input as floats (no graph recorded)."""
    with no_grad():
        return [[z.data for z in model(x)] for x in inputs]


def predict(rows: Sequence[Sequence[float]]) -> list[int]:
    """The class of each row of scores: the index of its largest score (the first on a tie, as ``nn.accuracy``)."""
    return [max(range(len(row)), key=row.__getitem__) for row in rows]


def confusion_matrix(labels: Sequence[int], predictions: Sequence[int], classes: int) -> list[list[int]]:
    """``matrix[true][predicted]``: how many examples of each true class got each predicted class."""
    matrix = [[0] * classes for _ in range(classes)]
    for label, predicted in zip(labels, predictions):
        matrix[label][predicted] += 1
    return matrix


def plot_losses(run: Run, title: str, out: Path, name: str) -> Path:
    """Training and validation loss per epoch, the best epoch marked."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 3.5))
    epochs = range(1, len(run.train_losses) + 1)
    axes.plot(epochs, run.train_losses, color="#2962c4", label="training")
    axes.plot(epochs, run.val_losses, color="#c0392b", label="validation")
    axes.axvline(run.best_epoch, color="0.5", linestyle="--", linewidth=1, label=f"best epoch ({run.best_epoch})")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cross-entropy")
    axes.set_yscale("log")
    axes.legend()
    axes.set_title(title)
    return save(figure, out, name)


def plot_confusion(matrix: list[list[int]], class_names: Sequence[str], title: str, out: Path, name: str) -> Path:
    """The confusion matrix as a heat map with the counts written in."""
    plt = pyplot()
    size = 1.2 + 0.45 * len(matrix)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(matrix, cmap="Blues")
    peak = max(max(row) for row in matrix)
    for true, row in enumerate(matrix):
        for predicted, count in enumerate(row):
            if count:
                colour = "white" if count > peak / 2 else "black"
                axes.text(predicted, true, str(count), ha="center", va="center", color=colour, fontsize=8)
    ticks = range(len(class_names))
    axes.set_xticks(ticks, class_names)
    axes.set_yticks(ticks, class_names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    return save(figure, out, name)


@dataclass(frozen=True)
class Demo:
    """What sets one multiclass demo apart: its names, what it prints, its model and its training settings."""

    name: str  # "digits": the files' prefix (digits_model.json) and the progress bar's label
    title: str  # "yin-yang": the pictures' titles begin with it
    noun: str  # "images": what the first line counts
    print_every: int  # the losses are printed every this many epochs (and at the best and the last one)
    class_names: Sequence[str]  # one per class, in class order: the confusion matrix's ticks
    inputs: int  # MLP(inputs, widths, activation=activation, init=init, seed=seed)
    widths: Sequence[int]
    activation: str
    init: str
    lr: float  # Adam's step size
    batch_size: int
    patience: int  # early stopping: epochs without a new lowest validation loss
    fractions: tuple[float, float]  # validation and test shares; training gets the rest
    seed: int  # seeds the split, the initial weights and the minibatch order


@dataclass
class Outcome:
    """What ``run_demo`` hands the demo's ``pictures``: the training run, the reloaded model and its test results."""

    demo: Demo
    run: Run
    model: MLP  # the best model, read back from its JSON file
    test_set: list[Example]
    predictions: list[int]  # the reloaded model's class for each test example
    test_accuracy: float
    out: Path  # the folder the files go to


def add_options(parser: argparse.ArgumentParser) -> None:
    """The multiclass demos' own options: ``--compile BACKEND`` or ``--eager``, and ``--compare``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--compile", choices=BACKENDS, help=f"train with engine.compile on this backend (default {DEFAULT_BACKEND})"
    )
    group.add_argument("--eager", action="store_true", help="train with eager chainrule (no compile)")
    parser.add_argument(
        "--compare", action="store_true", help="also train the same model eagerly and print both training times"
    )


def plot_outcome(outcome: Outcome) -> list[Path]:
    """The two pictures every multiclass demo draws: ``NAME_losses.png`` and ``NAME_confusion.png``."""
    demo = outcome.demo
    labels = [y for _, y in outcome.test_set]
    matrix = confusion_matrix(labels, outcome.predictions, len(demo.class_names))
    return [
        plot_losses(outcome.run, f"{demo.title}: cross-entropy per epoch", outcome.out, f"{demo.name}_losses.png"),
        plot_confusion(
            matrix,
            demo.class_names,
            f"{demo.title}: test confusion matrix ({outcome.test_accuracy:.1%})",
            outcome.out,
            f"{demo.name}_confusion.png",
        ),
    ]


def _train_fresh(
    demo: Demo,
    examples: list[Example],
    train_indices: list[int],
    val_indices: list[int],
    epochs: int,
    backend: str | None,
    quiet: bool,
) -> tuple[MLP, Run]:
    """A new model of the demo's shape, seeded, trained by ``train`` with the demo's settings."""
    model = MLP(demo.inputs, demo.widths, activation=demo.activation, init=demo.init, seed=demo.seed)
    run = train(
        model,
        examples,
        train_indices,
        val_indices,
        classes=len(demo.class_names),
        epochs=epochs,
        batch_size=demo.batch_size,
        lr=demo.lr,
        patience=demo.patience,
        seed=demo.seed,
        backend=backend,
        quiet=quiet,
        desc=demo.name,
    )
    return model, run


def run_demo(
    demo: Demo,
    args: argparse.Namespace,
    examples: list[Example],
    epochs: int,
    pictures: Callable[[Outcome], list[Path]] = plot_outcome,
) -> dict[str, Any]:
    """Split ``examples``, train (``args``: ``--compile`` / ``--eager``, ``--compare``, ``--quick``, ``--out``),
    print the losses and the best epoch, save the best model as ``NAME_model.json``, reload it, print its test
    accuracy, draw ``pictures(outcome)`` and print the files written. Returns ``{"test_accuracy", "predictions",
    "reloaded_predictions", "splits": (train, val, test indices), "run": Run, "eager_run": Run | None, "backend",
    "files": [Path]}``."""
    backend = None if args.eager else args.compile or DEFAULT_BACKEND
    train_indices, val_indices, test_indices = split(len(examples), demo.fractions, demo.seed)
    print(
        f"{len(examples)} {demo.noun}: {len(train_indices)} training, {len(val_indices)} validation, "
        f"{len(test_indices)} test"
    )
    model, run = _train_fresh(demo, examples, train_indices, val_indices, epochs, backend, args.quick)
    for epoch, (train_loss, val_loss) in enumerate(zip(run.train_losses, run.val_losses), start=1):
        if args.quick or epoch % demo.print_every == 0 or epoch in (run.best_epoch, len(run.train_losses)):
            say(f"epoch {epoch:3d}  training loss {train_loss:.4f}  validation loss {val_loss:.4f}")
    how = "eager" if backend is None else f"compiled ({backend})"
    stop = f"stopped early after epoch {len(run.train_losses)}" if run.stopped_early else "ran every epoch"
    print(
        f"best epoch {run.best_epoch} (validation loss {run.val_losses[run.best_epoch - 1]:.4f}); {stop}; "
        f"{how} training took {run.seconds:.1f} s"
    )

    eager_run = None
    if args.compare and backend is not None:
        _, eager_run = _train_fresh(demo, examples, train_indices, val_indices, epochs, None, quiet=True)
        gap = max(abs(a - b) for a, b in zip(run.train_losses, eager_run.train_losses))
        print(
            f"compiled ({backend}) training took {run.seconds:.1f} s, eager {eager_run.seconds:.1f} s "
            f"({eager_run.seconds / run.seconds:.1f}x); epoch losses differ by at most {gap:.1e}"
        )

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{demo.name}_model.json"
    model.save(path)
    reloaded = MLP.load(path)
    test_set = [examples[i] for i in test_indices]
    test_inputs = [x for x, _ in test_set]
    test_labels = [y for _, y in test_set]
    test_scores = scores(reloaded, test_inputs)
    test_accuracy = accuracy(test_scores, test_labels)
    reloaded_predictions = predict(test_scores)
    right = sum(p == y for p, y in zip(reloaded_predictions, test_labels))
    print(f"test accuracy {test_accuracy:.1%} ({right}/{len(test_labels)}) from the model reloaded from {path}")

    outcome = Outcome(demo, run, reloaded, test_set, reloaded_predictions, test_accuracy, args.out)
    files = [*pictures(outcome), path]
    print(f"wrote {', '.join(file.name for file in files)} to {args.out}")
    return {
        "test_accuracy": test_accuracy,
        "predictions": predict(scores(model, test_inputs)),
        "reloaded_predictions": reloaded_predictions,
        "splits": (train_indices, val_indices, test_indices),
        "run": run,
        "eager_run": eager_run,
        "backend": backend,
        "files": files,
    }
