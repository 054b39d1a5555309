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

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from demos import _multiclass as multiclass
from demos._common import parse_args, pyplot, save
from demos._multiclass import Example, Outcome
from nn import MLP, data

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

DEMO = multiclass.Demo(
    name="yinyang",
    title="yin-yang",
    noun="points",
    print_every=10,
    class_names=CLASS_NAMES,
    inputs=4,
    widths=WIDTHS,
    activation=ACTIVATION,
    init=INIT,
    lr=LEARNING_RATE,
    batch_size=BATCH_SIZE,
    patience=PATIENCE,
    fractions=FRACTIONS,
    seed=SEED,
)


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


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train, test, plot: ``multiclass.run_demo`` on this demo's data, with its pictures; returns what that returns
    (``"test_accuracy"``, ``"predictions"``, ``"reloaded_predictions"``, ``"splits"``, ``"run"``, ...)."""
    args = parse_args(__doc__, argv, needs_matplotlib=True, options=multiclass.add_options)
    examples = load(QUICK_POINTS if args.quick else N_POINTS)
    mesh_step = QUICK_MESH_STEP if args.quick else MESH_STEP

    def pictures(outcome: Outcome) -> list[Path]:
        """The decision regions, then the losses and the confusion matrix."""
        regions = _plot_regions(outcome.model, outcome.test_set, mesh_step, outcome.out)
        return [regions, *multiclass.plot_outcome(outcome)]

    return multiclass.run_demo(DEMO, args, examples, QUICK_EPOCHS if args.quick else EPOCHS, pictures)


if __name__ == "__main__":
    main()
