"""Seeing backpropagation: seed 004's 2-3-1 sigmoid network, explained path by path and stepped through in a browser.

Run::

    python -m demos.backprop [--quick] [--out DIR]

For one training example it builds seed 004's network (inputs x1, x2; weights w11 w12 w13 w21 w22 w23 into the
three hidden sigmoid neurons, w31 w41 w51 into the sigmoid output; one bias per layer, b1 and b2) and its
cross-entropy loss L, then writes, in ``--out`` (default ``demos/out``), and prints their paths::

    wrote demos/out/backprop.html        (the explorer: open it in a browser, press play)
    wrote demos/out/backprop_explain.txt (engine.explain beside the seed's hand-derived formula, per parameter)
    wrote demos/out/backprop_steps.png   (a strip of draw_dot(L, step=k) for a few k, for the README)

then the explanation of dL/dw11 and a last line ``hand formulas agree with the paths to 1e-12: PASS``.
``--quick`` explains three parameters instead of all eleven and draws a shorter strip. Needs a Graphviz renderer
(``dot`` for the PNG strip) and matplotlib. About two seconds.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from pathlib import Path

import engine
from demos._common import parse_args, pyplot
from engine import Value

SEED = 4  # fixes the weights and the example, as in demos.by_hand
TOLERANCE = 1e-12  # largest |hand - paths| allowed
PARAMETERS = ["w11", "w12", "w13", "w21", "w22", "w23", "w31", "w41", "w51", "b1", "b2"]
QUICK_PARAMETERS = ["w11", "w31", "b1"]  # one input weight, one output weight, the shared bias
STRIP_STEPS = (0, 1, 3, 6)  # draw_dot(L, step=k) for these k in the PNG strip
QUICK_STRIP_STEPS = (0, 3)


def network(rng: random.Random) -> tuple[Value, dict[str, Value], dict[str, float]]:
    """Seed 004's network on one example: the loss L, the parameters by name, and the forward numbers
    (x1, x2, y, a11 a12 a13, a21) the hand formulas need."""
    p = {name: Value(rng.uniform(-1, 1), name) for name in PARAMETERS}
    x1, x2 = Value(rng.uniform(-2, 2), "x1"), Value(rng.uniform(-2, 2), "x2")
    y = rng.choice((0.0, 1.0))
    hidden = []
    for j in (1, 2, 3):
        z = engine.dot([p[f"w1{j}"], p[f"w2{j}"]], [x1, x2], start=p["b1"])
        z.label = f"z1{j}"
        a = z.sigmoid()
        a.label = f"a1{j}"
        hidden.append(a)
    z2 = engine.dot([p["w31"], p["w41"], p["w51"]], hidden, start=p["b2"])
    z2.label = "z21"
    a2 = z2.sigmoid()
    a2.label = "a21"
    loss = -(y * a2.log() + (1 - y) * (1 - a2).log())  # cross-entropy, as the seed's dz2 = a2 - y assumes
    loss.label = "L"
    numbers = {"x1": x1.data, "x2": x2.data, "y": y, "a21": a2.data}
    numbers.update({f"a1{j}": a.data for j, a in zip((1, 2, 3), hidden)})
    return loss, p, numbers


def hand_formula(name: str, p: dict[str, Value], n: dict[str, float]) -> tuple[str, float]:
    """The seed's hand-derived dL/d(name), as text and as a number: dz2 = a21 - y, then the chain backwards."""
    dz2 = n["a21"] - n["y"]
    out = {"w31": 1, "w41": 2, "w51": 3}
    if name in out:
        j = out[name]
        return f"(a21 - y) · a1{j}", dz2 * n[f"a1{j}"]
    if name == "b2":
        return "(a21 - y)", dz2
    dz1 = {j: dz2 * p[f"w{k}1"].data * n[f"a1{j}"] * (1 - n[f"a1{j}"]) for j, k in zip((1, 2, 3), (3, 4, 5))}
    if name == "b1":
        return (
            "Σ_j (a21 - y) · w(j+2)1 · a1j (1 - a1j)  (b1 feeds all three hidden neurons)",
            dz1[1] + dz1[2] + dz1[3],
        )
    i, j = int(name[1]), int(name[2])
    return f"(a21 - y) · w{j + 2}1 · a1{j} (1 - a1{j}) · x{i}", dz1[j] * n[f"x{i}"]


def explain_text(loss: Value, p: dict[str, Value], numbers: dict[str, float], names: list[str]) -> tuple[str, float]:
    """For each parameter: the seed's formula and number, then engine.explain's paths; returns the text and the
    largest |hand - sum over paths|."""
    blocks, worst = [], 0.0
    for name in names:
        formula, hand = hand_formula(name, p, numbers)
        explanation = engine.explain(loss, p[name])
        worst = max(worst, abs(hand - explanation.total))
        blocks.append(f"seed 004, by hand: ∂L/∂{name} = {formula} = {hand!r}\n{explanation}")
    return "\n\n".join(blocks), worst


def steps_strip(loss: Value, out: Path, steps: Sequence[int]) -> Path:
    """``draw_dot(loss, step=k)`` for each k, stacked into one PNG."""
    plt = pyplot()
    images = []
    for k in steps:
        path = engine.render(engine.draw_dot(loss, step=k), out / f"backprop_step{k}.png")
        images.append((k, plt.imread(path)))
        path.unlink()
    figure, axes = plt.subplots(len(images), 1, figsize=(14, 3.2 * len(images)))
    for axis, (k, image) in zip(axes, images):
        axis.imshow(image)
        axis.set_axis_off()
        axis.set_title(
            f"after step {k}" if k else "before the first step (the root's gradient seeded with 1)",
            fontsize=10,
            loc="left",
        )
    path = out / "backprop_steps.png"
    figure.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(figure)
    return path


def main(argv: Sequence[str] | None = None) -> dict:
    """Write the page, the text and the strip; return ``{"paths": [...], "max_difference": float, "passed": bool}``."""
    args = parse_args(__doc__, argv, needs_matplotlib=True)
    args.out.mkdir(parents=True, exist_ok=True)
    loss, p, numbers = network(random.Random(SEED))
    names = QUICK_PARAMETERS if args.quick else PARAMETERS
    text, worst = explain_text(loss, p, numbers, names)
    page = engine.explore(loss, args.out / "backprop.html")
    text_path = args.out / "backprop_explain.txt"
    with open(text_path, "w", encoding="utf-8") as file:
        file.write(text + "\n")
    strip = steps_strip(loss, args.out, QUICK_STRIP_STEPS if args.quick else STRIP_STEPS)
    for path in (page, text_path, strip):
        print(f"wrote {path}")
    print()
    print(text.split("\n\n")[0])
    passed = math.isfinite(worst) and worst <= TOLERANCE
    verdict = "PASS" if passed else "FAIL"
    print(f"hand formulas agree with the paths to 1e-12: {verdict} (max |hand - paths| = {worst:.1e})")
    return {"paths": [page, text_path, strip], "max_difference": worst, "passed": passed, "loss": loss}


if __name__ == "__main__":
    main()
