"""Rosenblatt's perceptron on AND, OR and XOR, and the small MLP that XOR needs.

Run::

    python -m demos.perceptron          # --quick: fewer MLP steps; --out DIR: where the PNG goes

It prints, for AND and OR, the epochs the perceptron rule took to converge, the learned line and the truth
table (100 % correct). For XOR it prints the best accuracy one perceptron reached while training (75 %) and
the best over a grid of 9³ lines (also 75 %): no line separates XOR, since w1 + b ≥ 0 and w2 + b ≥ 0 add up
to w1 + w2 + 2b ≥ 0, so with b < 0 (input 00 is 0) w1 + w2 + b ≥ -b > 0 and input 11 would say 1. Then
an MLP(2, [4, 1]) with one tanh hidden layer learns XOR to 100 %. It writes ``xor.png`` (the perceptron's
best line and the MLP's regions) and prints the folder.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from pathlib import Path

import engine
from demos._common import parse_args, progress, pyplot, save
from engine import no_grad
from nn import MLP, Adam, Perceptron, losses

SEED = 0  # seeds the initial weights and the order the perceptron rule visits the rows
INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]  # the four rows of a two-input truth table
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}  # the targets, row by row
PERCEPTRON_EPOCHS = 50  # most sweeps of the perceptron rule (AND and OR converge long before)
LINE_GRID = [-2.0 + 0.5 * n for n in range(9)]  # w1, w2 and b each take these values in the exhaustive search
MLP_WIDTHS = [4, 1]  # XOR network: 4 tanh neurons, then one linear output (score > 0 means 1)
MLP_LEARNING_RATE = 0.1  # Adam's step size for the XOR network
MLP_STEPS = 200  # full-batch Adam steps for the XOR network
QUICK_MLP_STEPS = 100  # steps for --quick


def _accuracy(predict, targets: Sequence[int]) -> float:
    return sum(predict(x) == y for x, y in zip(INPUTS, targets)) / len(INPUTS)


def train_perceptron(targets: Sequence[int]) -> dict:
    """Fit a ``Perceptron`` by the perceptron rule, sweeping the rows in a fresh random order each epoch.

    Like Gallant's pocket algorithm it also keeps the best accuracy seen after any update, which is what
    one perceptron can show for XOR, where the rule itself never settles.
    """
    perceptron = Perceptron(2, seed=SEED)
    order_rng = random.Random(SEED)
    best = _accuracy(perceptron.predict, targets)
    mistakes_per_epoch = []
    for _ in range(PERCEPTRON_EPOCHS):
        order = list(range(len(INPUTS)))
        order_rng.shuffle(order)
        mistakes = 0
        for row in order:
            if perceptron.update(INPUTS[row], targets[row]) != 0:
                mistakes += 1
                best = max(best, _accuracy(perceptron.predict, targets))
        mistakes_per_epoch.append(mistakes)
        if mistakes == 0:
            break
    return {
        "perceptron": perceptron,
        "converged": mistakes_per_epoch[-1] == 0,
        "epochs": len(mistakes_per_epoch),
        "accuracy": _accuracy(perceptron.predict, targets),
        "best_accuracy": best,
        "outputs": [perceptron.predict(x) for x in INPUTS],
    }


def best_line_accuracy(targets: Sequence[int]) -> tuple[float, tuple[float, float, float]]:
    """The best accuracy of step(w1·x1 + w2·x2 + b) over ``LINE_GRID``³, and the (w1, w2, b) reaching it."""
    best, best_line = -1.0, (0.0, 0.0, 0.0)
    with no_grad():
        for w1, w2, b in itertools.product(LINE_GRID, repeat=3):
            outputs = [engine.dot([w1, w2], x, start=b).step().data for x in INPUTS]
            score = sum(out == y for out, y in zip(outputs, targets)) / len(INPUTS)
            if score > best:
                best, best_line = score, (w1, w2, b)
    return best, best_line


def train_xor_mlp(steps: int, quiet: bool) -> tuple[MLP, list[float], float]:
    """MLP(2, ``MLP_WIDTHS``) trained on XOR with ``bce_with_logits`` and Adam; (model, losses, accuracy)."""
    model = MLP(2, MLP_WIDTHS, activation="tanh", seed=SEED)
    optimizer = Adam(model.parameters(), lr=MLP_LEARNING_RATE)
    targets = GATES["XOR"]
    history = []
    for _ in progress(range(steps), total=steps, desc="xor mlp", quiet=quiet):
        loss = losses.bce_with_logits([model(x) for x in INPUTS], targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.data)
    return model, history, _accuracy(lambda x: int(model(x).data > 0), targets)


def _plot(line: tuple[float, float, float], line_accuracy: float, model: MLP, mlp_accuracy: float, out: Path) -> Path:
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    grid = [-0.5 + 0.02 * n for n in range(101)]
    w1, w2, b = line
    with no_grad():
        regions = {
            left: [[int(w1 * gx + w2 * gy + b >= 0) for gx in grid] for gy in grid],
            right: [[int(model([gx, gy]).data > 0) for gx in grid] for gy in grid],
        }
    titles = {
        left: f"one perceptron, best line: {line_accuracy:.0%}",
        right: f"MLP(2, {MLP_WIDTHS}), tanh: {mlp_accuracy:.0%}",
    }
    for axes, region in regions.items():
        axes.contourf(grid, grid, region, levels=[-0.5, 0.5, 1.5], colors=["#f4b6b6", "#b6cdf4"], alpha=0.8)
        for (x1, x2), y in zip(INPUTS, GATES["XOR"]):
            axes.scatter([x1], [x2], s=120, c="#2962c4" if y else "#c0392b", edgecolors="k", zorder=3)
            axes.annotate(f"XOR={y}", (x1, x2), textcoords="offset points", xytext=(8, 8))
        axes.set_title(titles[axes])
        axes.set_xlabel("x1")
        axes.set_ylabel("x2")
    figure.tight_layout()
    return save(figure, out, "xor.png")


def main(argv: Sequence[str] | None = None) -> dict:
    """Print the results and write ``xor.png``; return ``{"AND": {...}, "OR": {...}, "XOR": {...} (each with
    "converged", "epochs", "accuracy", "best_accuracy", "outputs"), "xor_best_line_accuracy": float,
    "mlp_accuracy": float, "mlp_outputs": [0/1, ...], "mlp_losses": [...], "files": [Path]}``."""
    args = parse_args(__doc__, argv, needs_matplotlib=True)
    results: dict = {}
    for gate in ("AND", "OR"):
        fit = train_perceptron(GATES[gate])
        w1, w2 = (w.data for w in fit["perceptron"].w)
        b = fit["perceptron"].b.data
        print(f"{gate}: perceptron converged in {fit['epochs']} epochs: step({w1:.3f}·x1 + {w2:.3f}·x2 + {b:.3f})")
        for x, y, out in zip(INPUTS, GATES[gate], fit["outputs"]):
            print(f"  {x[0]} {x[1]} -> {out}   (target {y})")
        print(f"  accuracy {fit['accuracy']:.0%}")
        results[gate] = {key: value for key, value in fit.items() if key != "perceptron"}

    xor = train_perceptron(GATES["XOR"])
    results["XOR"] = {key: value for key, value in xor.items() if key != "perceptron"}
    line_accuracy, line = best_line_accuracy(GATES["XOR"])
    results["xor_best_line_accuracy"] = line_accuracy
    print(
        f"XOR: the perceptron rule {'converged' if xor['converged'] else 'did not converge'} "
        f"in {xor['epochs']} epochs; best accuracy while training {xor['best_accuracy']:.0%}"
    )
    print(
        f"  best of {len(LINE_GRID) ** 3} lines step(w1·x1 + w2·x2 + b) on a grid: {line_accuracy:.0%} "
        f"(w1={line[0]:g}, w2={line[1]:g}, b={line[2]:g}): no line separates XOR"
    )

    steps = QUICK_MLP_STEPS if args.quick else MLP_STEPS
    model, mlp_losses, mlp_accuracy = train_xor_mlp(steps, quiet=args.quick)
    outputs = [int(model(x).data > 0) for x in INPUTS]
    print(
        f"XOR: MLP(2, {MLP_WIDTHS}) with tanh, bce_with_logits, Adam lr {MLP_LEARNING_RATE}, {steps} steps: "
        f"loss {mlp_losses[0]:.3f} -> {mlp_losses[-1]:.4f}"
    )
    for x, y, out in zip(INPUTS, GATES["XOR"], outputs):
        print(f"  {x[0]} {x[1]} -> {out}   (target {y}, score {model(x).data:+.3f})")
    print(f"  accuracy {mlp_accuracy:.0%}")
    results.update(mlp_accuracy=mlp_accuracy, mlp_outputs=outputs, mlp_losses=mlp_losses)

    files = [_plot(line, line_accuracy, model, mlp_accuracy, args.out)]
    print(f"wrote {', '.join(path.name for path in files)} to {args.out}")
    results["files"] = files
    return results


if __name__ == "__main__":
    main()
