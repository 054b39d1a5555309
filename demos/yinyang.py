"""Yin-Yang: an MLP learns the three regions of the Yin-Yang data set, with held-out validation and test sets.

Run::

    python -m demos.yinyang             # trains with engine.compile (numpy backend)
    python -m demos.yinyang --compare   # also trains the same model eagerly and prints both training times
    python -m demos.yinyang --eager     # eager chainrule only;  --compile python: the pure-Python replay
    python -m demos.yinyang --quick     # 300 points, 3 epochs, a coarse plot: the smoke test

It prints the split sizes, the training and validation loss every 10 epochs (and at the best and the last epoch),
the best epoch, the training time and the test accuracy of the best model read back from its JSON file; the full
run ends (on our machine; times vary)::

    best epoch 107 (validation loss 0.0569); stopped early after epoch 127; compiled (numpy) training took 40.7 s
    compiled (numpy) training took 40.7 s, eager 775.9 s (19.0x); epoch losses differ by at most 2.7e-15
    test accuracy 98.0% (784/800) from the model reloaded from demos/out/yinyang_model.json

and writes ``yinyang_regions.png`` (the decision regions with the test points), ``yinyang_losses.png``,
``yinyang_confusion.png`` and ``yinyang_model.json`` to ``demos/out/`` (the second line only with ``--compare``).

The data set (Kriener, Göltz et al., 2021) is generated here from its definition by ``nn.data.yinyang``: points
in a disc, class yin, yang or one of the two dots, the classes balanced, inputs (x, y, 1 - x, 1 - y). A linear
classifier gets about 64 % on it and an MLP about 97 %. The split (60 / 20 / 20), the model (a tanh MLP), Adam on
minibatches, early stopping on the validation loss and the final test on the reloaded model are digits' discipline.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from demos import _multiclass as multiclass
from demos._common import parse_args, pyplot, save, say
from demos._multiclass import BACKENDS, DEFAULT_BACKEND, Example, Run
from nn import MLP, accuracy, data

SEED = 0  # seeds the points, the split, the initial weights and the minibatch order
N_POINTS = 4000  # points generated, then split
FRACTIONS = (0.2, 0.2)  # validation and test shares; training gets the rest
WIDTHS = [30, 30, 3]  # MLP(4, WIDTHS): two tanh hidden layers, 3 linear logits
ACTIVATION = "tanh"  # hidden activation
INIT = "xavier"  # Glorot initialisation
LEARNING_RATE = 0.01  # Adam's step size
BATCH_SIZE = 64  # examples per minibatch
EPOCHS = 200  # at most this many passes over the training set
PATIENCE = 20  # stop after this many epochs without a new lowest validation loss
MESH_STEP = 0.01  # grid spacing of the decision-region picture
QUICK_POINTS = 300  # --quick: this many points ...
QUICK_EPOCHS = 3  # ... for this many epochs ...
QUICK_MESH_STEP = 0.1  # ... and a coarse picture
CLASS_NAMES = ["yang", "yin", "dot"]  # class 0, 1, 2
COLOURS = ["#2962c4", "#c0392b", "#2e9e4f"]  # one per class


def load(n_points: int = N_POINTS) -> list[Example]:
    """The Yin-Yang points as ((x, y, 1 - x, 1 - y), class) examples."""
    return data.yinyang(n_points, SEED)


def _plot_regions(model: MLP, test_set: Sequence[Example], mesh_step: float, out: Path) -> Path:
    """The class the model picks at each point of the unit square, and the test points in their true colours."""
    plt = pyplot()
    from matplotlib.colors import ListedColormap

    grid = [i * mesh_step for i in range(int(round(1 / mesh_step)) + 1)]
    rows = multiclass.scores(model, [(gx, gy, 1 - gx, 1 - gy) for gy in grid for gx in grid])
    classes = multiclass.predict(rows)
    regions = [classes[j * len(grid) : (j + 1) * len(grid)] for j in range(len(grid))]
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.contourf(grid, grid, regions, levels=[-0.5, 0.5, 1.5, 2.5], cmap=ListedColormap(COLOURS), alpha=0.25)
    for label, name in enumerate(CLASS_NAMES):
        points = [x for x, y in test_set if y == label]
        axes.scatter([x[0] for x in points], [x[1] for x in points], s=8, color=COLOURS[label], label=name)
    axes.set_aspect("equal")
    axes.legend(loc="upper right", fontsize=8)
    axes.set_title("yin-yang: decision regions and test points")
    return save(figure, out, "yinyang_regions.png")


def _options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--compile", choices=BACKENDS, help=f"train with engine.compile on this backend (default {DEFAULT_BACKEND})"
    )
    group.add_argument("--eager", action="store_true", help="train with eager chainrule (no compile)")
    parser.add_argument(
        "--compare", action="store_true", help="also train the same model eagerly and print both training times"
    )


def _train_fresh(
    examples: list[Example],
    train_indices: list[int],
    val_indices: list[int],
    epochs: int,
    backend: str | None,
    quiet: bool,
) -> tuple[MLP, Run]:
    model = MLP(4, WIDTHS, activation=ACTIVATION, init=INIT, seed=SEED)
    run = multiclass.train(
        model,
        examples,
        train_indices,
        val_indices,
        classes=len(CLASS_NAMES),
        epochs=epochs,
        batch_size=BATCH_SIZE,
        lr=LEARNING_RATE,
        patience=PATIENCE,
        seed=SEED,
        backend=backend,
        quiet=quiet,
        desc="yinyang",
    )
    return model, run


def main(argv: Sequence[str] | None = None) -> dict:
    """Train, test, plot; return ``{"test_accuracy", "predictions", "reloaded_predictions", "splits": (train, val,
    test indices), "run": Run, "eager_run": Run | None, "backend", "files": [Path]}``."""
    args = parse_args(__doc__, argv, needs_matplotlib=True, options=_options)
    backend = None if args.eager else args.compile or DEFAULT_BACKEND
    examples = load(QUICK_POINTS if args.quick else N_POINTS)
    epochs = QUICK_EPOCHS if args.quick else EPOCHS
    train_indices, val_indices, test_indices = multiclass.split(len(examples), FRACTIONS, SEED)
    print(
        f"{len(examples)} points: {len(train_indices)} training, {len(val_indices)} validation, "
        f"{len(test_indices)} test"
    )
    model, run = _train_fresh(examples, train_indices, val_indices, epochs, backend, args.quick)
    for epoch, (train_loss, val_loss) in enumerate(zip(run.train_losses, run.val_losses), start=1):
        if args.quick or epoch % 10 == 0 or epoch == run.best_epoch or epoch == len(run.train_losses):
            say(f"epoch {epoch:3d}  training loss {train_loss:.4f}  validation loss {val_loss:.4f}")
    how = "eager" if backend is None else f"compiled ({backend})"
    stop = f"stopped early after epoch {len(run.train_losses)}" if run.stopped_early else "ran every epoch"
    print(
        f"best epoch {run.best_epoch} (validation loss {run.val_losses[run.best_epoch - 1]:.4f}); {stop}; "
        f"{how} training took {run.seconds:.1f} s"
    )

    eager_run = None
    if args.compare and backend is not None:
        _, eager_run = _train_fresh(examples, train_indices, val_indices, epochs, None, quiet=True)
        gap = max(abs(a - b) for a, b in zip(run.train_losses, eager_run.train_losses))
        print(
            f"compiled ({backend}) training took {run.seconds:.1f} s, eager {eager_run.seconds:.1f} s "
            f"({eager_run.seconds / run.seconds:.1f}x); epoch losses differ by at most {gap:.1e}"
        )

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "yinyang_model.json"
    model.save(path)
    reloaded = MLP.load(path)
    test_set = [examples[i] for i in test_indices]
    test_labels = [y for _, y in test_set]
    test_scores = multiclass.scores(reloaded, [x for x, _ in test_set])
    test_accuracy = accuracy(test_scores, test_labels)
    reloaded_predictions = multiclass.predict(test_scores)
    right = sum(p == y for p, y in zip(reloaded_predictions, test_labels))
    print(f"test accuracy {test_accuracy:.1%} ({right}/{len(test_labels)}) from the model reloaded from {path}")

    matrix = multiclass.confusion_matrix(test_labels, reloaded_predictions, len(CLASS_NAMES))
    files = [
        _plot_regions(reloaded, test_set, QUICK_MESH_STEP if args.quick else MESH_STEP, args.out),
        multiclass.plot_losses(run, "yin-yang: cross-entropy per epoch", args.out, "yinyang_losses.png"),
        multiclass.plot_confusion(
            matrix,
            CLASS_NAMES,
            f"yin-yang: test confusion matrix ({test_accuracy:.1%})",
            args.out,
            "yinyang_confusion.png",
        ),
        path,
    ]
    print(f"wrote {', '.join(file.name for file in files)} to {args.out}")
    return {
        "test_accuracy": test_accuracy,
        "predictions": multiclass.predict(multiclass.scores(model, [x for x, _ in test_set])),
        "reloaded_predictions": reloaded_predictions,
        "splits": (train_indices, val_indices, test_indices),
        "run": run,
        "eager_run": eager_run,
        "backend": backend,
        "files": files,
    }


if __name__ == "__main__":
    main()
