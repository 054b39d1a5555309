"""Handwritten digits: an MLP(64, [32, 10]) learns scikit-learn's 8×8 digits, with held-out validation and test sets.

Run::

    python -m demos.digits             # trains with engine.compile (numpy backend)
    python -m demos.digits --compare   # also trains the same model eagerly and prints both training times
    python -m demos.digits --eager     # eager chainrule only;  --compile python: the pure-Python replay
    python -m demos.digits --quick     # 300 images, 3 epochs: the smoke test;  --out DIR: where files go

It prints the split sizes, the training and validation loss every 5 epochs (and at the best and the last epoch),
the best epoch, the training time, and the test accuracy of the best model read back from its JSON file; the full
run ends (on our machine; times vary)::

    best epoch 19 (validation loss 0.0911); stopped early after epoch 29; compiled (numpy) training took 10.2 s
    compiled (numpy) training took 10.2 s, eager 134.5 s (13.1x); epoch losses differ by at most 8.3e-17
    test accuracy 96.4% (346/359) from the model reloaded from demos/out/digits_model.json

and writes ``digits_losses.png``, ``digits_confusion.png``, ``digits_misclassified.png`` and ``digits_model.json``
to ``demos/out/`` (the second line only with ``--compare``). A progress bar per epoch shows on a terminal.

The data: the 1,797 8×8 grey-level images that ship inside scikit-learn (``load_digits``, no download; pixels
0..16 scaled to [0, 1]), split by a seeded shuffle into 60 % training, 20 % validation, 20 % test. The model: tanh
hidden layer, Glorot-initialised, softmax cross-entropy on the 10 logits, Adam on minibatches of 32. Early
stopping: the run stops when the validation loss has not improved for ``PATIENCE`` epochs and keeps the weights of
the best epoch. The test set is used once, at the end, on the model reloaded from the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from demos import _multiclass as multiclass
from demos._common import parse_args, pyplot, save
from demos._multiclass import Example, Outcome

SEED = 0  # seeds the split, the initial weights and the minibatch order
FRACTIONS = (0.2, 0.2)  # validation and test shares of the 1,797 images; training gets the rest
WIDTHS = [32, 10]  # MLP(64, WIDTHS): one tanh hidden layer, 10 linear logits
ACTIVATION = "tanh"  # hidden activation
INIT = "xavier"  # Glorot initialisation (U(-1, 1) would saturate tanh with 64 inputs)
LEARNING_RATE = 0.01  # Adam's step size
BATCH_SIZE = 32  # examples per minibatch
EPOCHS = 100  # at most this many passes over the training set
PATIENCE = 10  # stop after this many epochs without a new lowest validation loss
QUICK_IMAGES = 300  # --quick: use only the first this many images ...
QUICK_EPOCHS = 3  # ... for this many epochs
CLASSES = 10  # the digits 0..9

DEMO = multiclass.Demo(
    name="digits",
    title="digits",
    noun="images",
    print_every=5,
    class_names=[str(k) for k in range(CLASSES)],
    inputs=64,
    widths=WIDTHS,
    activation=ACTIVATION,
    init=INIT,
    lr=LEARNING_RATE,
    batch_size=BATCH_SIZE,
    patience=PATIENCE,
    fractions=FRACTIONS,
    seed=SEED,
)


def load(limit: int | None = None) -> list[Example]:
    """scikit-learn's digits as ((64 pixels in [0, 1]), digit) pairs, the first ``limit`` of them (None: all)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ImportError(
            "demos.digits reads the 8×8 digits that ship inside scikit-learn: pip install 'chainrule[digits]' "
            "(or pip install 'scikit-learn>=1.4,<2')"
        ) from error
    digits = load_digits()
    images = zip(digits.data[:limit], digits.target[:limit])
    return [([float(pixel) / 16.0 for pixel in image], int(label)) for image, label in images]


def _plot_misclassified(examples: Sequence[Example], predictions: Sequence[int], out: Path) -> Path:
    """Up to 40 test images the model gets wrong, each titled 'true→predicted'."""
    plt = pyplot()
    wrong = [(x, y, p) for (x, y), p in zip(examples, predictions) if y != p][:40]
    columns = 10
    rows = max(1, -(-len(wrong) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 0.9, rows * 1.05 + 0.4), squeeze=False)
    for cell in axes.flat:
        cell.axis("off")
    for cell, (x, y, p) in zip(axes.flat, wrong):
        cell.imshow([x[row * 8 : row * 8 + 8] for row in range(8)], cmap="gray_r", vmin=0, vmax=1)
        cell.set_title(f"{y}→{p}", fontsize=9, color="#c0392b")
    figure.suptitle(f"digits: the {len(wrong)} misclassified test images (true→predicted)")
    return save(figure, out, "digits_misclassified.png")


def _pictures(outcome: Outcome) -> list[Path]:
    """The losses and the confusion matrix, then the misclassified test images."""
    return [*multiclass.plot_outcome(outcome), _plot_misclassified(outcome.test_set, outcome.predictions, outcome.out)]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train, test, plot: ``multiclass.run_demo`` on this demo's data, with its pictures; returns what that returns
    (``"test_accuracy"``, ``"predictions"``, ``"reloaded_predictions"``, ``"splits"``, ``"run"``, ...)."""
    args = parse_args(__doc__, argv, needs_matplotlib=True, options=multiclass.add_options)
    examples = load(QUICK_IMAGES if args.quick else None)
    return multiclass.run_demo(DEMO, args, examples, QUICK_EPOCHS if args.quick else EPOCHS, _pictures)


if __name__ == "__main__":
    main()
