"""micrograd's classic demo: a 2-16-16-1 ReLU network learns to separate two interleaved half moons.

Run::

    python -m demos.moons            # --quick: 20 steps, coarse plot; --out DIR: where the PNGs go
    python -m demos.moons --compile python   # or numpy: the same training replayed by engine.compile

It prints the loss and accuracy every 10 steps, then the final training accuracy, the step at which it
first reached 100 %, and the wall time of the training loop, and writes ``decision_boundary.png`` and
``loss_curve.png`` to ``demos/out/`` (the folder is printed last). A progress bar shows on a terminal.

With ``--compile python`` (or ``numpy``) the loss of one sample is traced once with ``engine.compile`` and each step
replays it over the 100 points with ``compiled.batch``: the printed losses are the eager ones (to 4 decimals), and
it also trains the same model eagerly (quietly) and prints both training times.

The setup is micrograd's demo, step for step: 100 points from two half circles with Gaussian noise 0.1
(our own seeded generator, the same construction as scikit-learn's ``make_moons``; labels -1 / +1),
``MLP(2, [16, 16, 1])`` with weights U(-1, 1) and zero biases, the SVM hinge loss mean(relu(1 - y·score))
plus 1e-4·Σ p², and full-batch SGD whose learning rate decays linearly from 1.0 to 0.1 over 100 steps.
From ``SEED`` = 1337 (micrograd's) it reaches 100 % training accuracy within the 100 steps (and so did
seeds 1, 2, 3 and 42 when we tried them).
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Sequence
from pathlib import Path

import engine
from demos._common import parse_args, progress, pyplot, save, say
from engine import no_grad
from nn import MLP, SGD, data, losses

SEED = 1337  # seeds both the moons and the initial weights (micrograd's demo seed)
N_POINTS = 100  # training points, half per moon
NOISE = 0.1  # standard deviation of the Gaussian noise added to each coordinate
WIDTHS = [16, 16, 1]  # layer widths of MLP(2, WIDTHS): two ReLU hidden layers, one linear output
ALPHA = 1e-4  # strength of the L2 penalty
STEPS = 100  # full-batch SGD steps
QUICK_STEPS = 20  # steps for --quick
LOG_EVERY = 10  # print the loss and accuracy every this many steps
MESH_STEP = 0.05  # grid spacing of the decision-boundary picture
QUICK_MESH_STEP = 0.25  # coarser grid for --quick


def learning_rate(step: int) -> float:
    """micrograd's schedule: 1.0 at step 0, falling linearly by 0.9 over 100 steps (0.109 at step 99)."""
    return 1.0 - 0.9 * step / 100


Point = tuple[tuple[float, float], int]  # ((x1, x2), label)


def make_moons(n_points: int = N_POINTS, noise: float = NOISE, seed: int = SEED) -> list[Point]:
    """``n_points`` ((x1, x2), label) pairs: the upper moon (label -1) and the lower, shifted one (label +1),
    from ``nn.data.moons`` (the one generator the demos, benchmarks and tests share)."""
    return data.moons(n_points, noise, seed)


def accuracy(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Fraction of points whose score has the label's sign (micrograd's ``(y > 0) == (score > 0)``)."""
    return sum((y > 0) == (s > 0) for y, s in zip(labels, scores)) / len(labels)


def train(model: MLP, points: list[Point], steps: int, quiet: bool = False) -> tuple[list[float], list[float]]:
    """Full-batch SGD on hinge + ``ALPHA``·L2; returns the loss and the accuracy before each step."""
    inputs = [x for x, _ in points]
    labels = [y for _, y in points]
    parameters = model.parameters()
    optimizer = SGD(parameters, lr=learning_rate)
    loss_history, accuracy_history = [], []
    for step in progress(range(steps), total=steps, desc="moons", quiet=quiet):
        scores = [model(x) for x in inputs]
        loss = losses.hinge(scores, labels) + ALPHA * losses.l2(parameters)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_history.append(loss.data)
        accuracy_history.append(accuracy(labels, [s.data for s in scores]))
        if step % LOG_EVERY == 0 or step == steps - 1:
            say(f"step {step:3d}  loss {loss.data:.4f}  accuracy {accuracy_history[-1]:6.1%}")
    return loss_history, accuracy_history


def train_compiled(
    model: MLP, points: list[Point], steps: int, backend: str = "python", quiet: bool = False
) -> tuple[list[float], list[float]]:
    """``train`` with the loss traced once by ``engine.compile(backend=...)`` ("python" or "numpy"): each step is
    ``compiled.batch`` over the points (the mean of hinge + ``ALPHA``·L2 per point is the eager loss)."""
    inputs = [list(x) for x, _ in points]
    labels = [float(y) for _, y in points]
    parameters = model.parameters()
    names = dict(model.named_parameters())
    loss_of_one = engine.compile(
        lambda x, y: losses.hinge(model(x), y) + ALPHA * losses.l2(parameters), parameters, backend=backend, names=names
    )
    score_of = engine.compile(lambda x: model(x), parameters, names=names)
    optimizer = SGD(parameters, lr=learning_rate)
    loss_history, accuracy_history = [], []
    for step in progress(range(steps), total=steps, desc=f"moons ({backend})", quiet=quiet):
        scores = [score_of.value(x) for x in inputs]  # before the step, as the eager loop's forward pass
        optimizer.zero_grad()
        loss = loss_of_one.batch(inputs, labels)
        optimizer.step()
        loss_history.append(loss)
        accuracy_history.append(accuracy(labels, scores))
        if step % LOG_EVERY == 0 or step == steps - 1:
            say(f"step {step:3d}  loss {loss:.4f}  accuracy {accuracy_history[-1]:6.1%}")
    return loss_history, accuracy_history


def _silenced() -> contextlib.AbstractContextManager:
    return contextlib.redirect_stdout(io.StringIO())


def _plot_boundary(model: MLP, points: list[Point], mesh_step: float, out: Path) -> Path:
    plt = pyplot()
    xs = [x[0] for x, _ in points]
    ys = [x[1] for x, _ in points]
    x_min, x_max = min(xs) - 0.5, max(xs) + 0.5
    y_min, y_max = min(ys) - 0.5, max(ys) + 0.5
    grid_x = [x_min + i * mesh_step for i in range(int((x_max - x_min) / mesh_step) + 1)]
    grid_y = [y_min + j * mesh_step for j in range(int((y_max - y_min) / mesh_step) + 1)]
    with no_grad():  # only the scores are needed: no graph, much faster
        scores = [[model([gx, gy]).data for gx in grid_x] for gy in grid_y]
    figure, axes = plt.subplots(figsize=(6, 4.5))
    axes.contourf(
        grid_x,
        grid_y,
        [[s > 0 for s in row] for row in scores],
        levels=[-0.5, 0.5, 1.5],
        colors=["#f4b6b6", "#b6cdf4"],
        alpha=0.8,
    )
    axes.contour(grid_x, grid_y, scores, levels=[0.0], colors="k", linewidths=1)
    colours = ["#c0392b" if y < 0 else "#2962c4" for _, y in points]
    axes.scatter(xs, ys, c=colours, s=22, edgecolors="k", linewidths=0.5)
    axes.set_title("moons: MLP(2, [16, 16, 1]) decision boundary")
    axes.set_xlim(x_min, x_max)
    axes.set_ylim(y_min, y_max)
    return save(figure, out, "decision_boundary.png")


def _plot_curves(loss_history: list[float], accuracy_history: list[float], out: Path) -> Path:
    plt = pyplot()
    figure, loss_axes = plt.subplots(figsize=(6, 3.5))
    steps = range(len(loss_history))
    loss_axes.plot(steps, loss_history, color="#2962c4", label="loss (hinge + L2)")
    loss_axes.set_xlabel("step")
    loss_axes.set_ylabel("loss")
    accuracy_axes = loss_axes.twinx()
    accuracy_axes.plot(steps, [100 * a for a in accuracy_history], color="#c0392b", label="accuracy")
    accuracy_axes.set_ylabel("training accuracy (%)")
    accuracy_axes.set_ylim(0, 105)
    figure.legend(loc="center right", bbox_to_anchor=(0.85, 0.5))
    loss_axes.set_title("moons: loss and accuracy per step")
    return save(figure, out, "loss_curve.png")


def main(argv: Sequence[str] | None = None) -> dict:
    """Train, print and plot; return ``{"accuracy": final training accuracy, "first_perfect_step": int | None,
    "losses": [...], "accuracies": [...], "steps": int, "wall_time": seconds of training, "eager_time": seconds of
    the eager training with ``--compile`` (else None), "files": [Path]}``."""
    args = parse_args(
        __doc__,
        argv,
        needs_matplotlib=True,
        options=lambda parser: parser.add_argument(
            "--compile", choices=["python", "numpy"], help="train with engine.compile on this backend"
        ),
    )
    steps = QUICK_STEPS if args.quick else STEPS
    points = make_moons()
    model = MLP(2, WIDTHS, activation="relu", seed=SEED)
    print(
        f"training {model.__class__.__name__}(2, {WIDTHS}) ({len(model.parameters())} parameters) "
        f"on {len(points)} moons points for {steps} steps"
    )

    start = time.perf_counter()
    if args.compile:
        loss_history, accuracy_history = train_compiled(model, points, steps, args.compile, quiet=args.quick)
    else:
        loss_history, accuracy_history = train(model, points, steps, quiet=args.quick)
    wall_time = time.perf_counter() - start
    eager_time = None
    if args.compile:  # the same training, eagerly and quietly, for the comparison
        start = time.perf_counter()
        with _silenced():
            eager_losses, _ = train(MLP(2, WIDTHS, activation="relu", seed=SEED), points, steps, quiet=True)
        eager_time = time.perf_counter() - start
        same = all(f"{a:.4f}" == f"{b:.4f}" for a, b in zip(loss_history, eager_losses))
        print(
            f"compiled ({args.compile}) training took {wall_time:.2f} s, eager {eager_time:.2f} s "
            f"({eager_time / wall_time:.1f}x); losses {'equal' if same else 'DIFFER'} to 4 decimals at every step"
        )

    with no_grad():
        final_accuracy = accuracy([y for _, y in points], [model(x).data for x, _ in points])
    first_perfect = next((step for step, a in enumerate(accuracy_history) if a == 1.0), None)
    reached = f"first 100 % at step {first_perfect}" if first_perfect is not None else "100 % not reached"
    print(f"final training accuracy {final_accuracy:.1%} ({reached}); training took {wall_time:.1f} s")

    files = [
        _plot_boundary(model, points, QUICK_MESH_STEP if args.quick else MESH_STEP, args.out),
        _plot_curves(loss_history, accuracy_history, args.out),
    ]
    print(f"wrote {', '.join(path.name for path in files)} to {args.out}")
    return {
        "accuracy": final_accuracy,
        "first_perfect_step": first_perfect,
        "losses": loss_history,
        "accuracies": accuracy_history,
        "steps": steps,
        "wall_time": wall_time,
        "eager_time": eager_time,
        "files": files,
    }


if __name__ == "__main__":
    main()
