"""Backpropagation by hand, checked by the engine: every gradient from the articles' formulas beside ``backward()``.

Run::

    python -m demos.by_hand

It prints two tables, one row per parameter (hand-derived gradient, engine gradient, difference), then
``max |hand - engine| = ...`` and ``PASS``; the exit status is 1 if any pair differs by more than 1e-12.

1. Seed 004's 2-3-1 network in its own notation: inputs x1, x2; weights w11 w12 w13 w21 w22 w23 (input
   i -> hidden neuron j) and w31 w41 w51 (hidden nodes 3, 4, 5 -> the output); ONE bias per layer, b1 shared
   by the three hidden neurons and b2 for the output; sigmoid everywhere. The seed's loss formula is an
   image missing from its text; its dz^[2] = a^[2] - y "assuming the sigmoid" is the cross-entropy
   L = -(y log a + (1 - y) log(1 - a)), averaged over the m examples of the training set.
2. Seed 002's i-j-k network: inputs x_i, hidden outputs O_j, outputs O_k, weights W_ij and W_jk, a bias θ
   per node, sigmoid everywhere, error E = ½ Σ_k (O_k - t_k)² and the delta rule
   δ_k = O_k(1 - O_k)(O_k - t_k), δ_j = O_j(1 - O_j) Σ_k δ_k W_jk, ∂E/∂W = (input of the weight) · δ, ∂E/∂θ = δ.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence

import engine
from demos._common import parse_args
from engine import Value

SEED = 4  # fixes the weights and the training examples
TOLERANCE = 1e-12  # largest |hand - engine| allowed before the demo fails
M_EXAMPLES = 4  # seed 004: size of the training set (m)
SIZE_I, SIZE_J, SIZE_K = 3, 4, 2  # seed 002: nodes in the input layer I, hidden layer J and output layer K


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# --- seed 004: the 2-3-1 network ---------------------------------------------------------------------------


def seed_004_rows(rng: random.Random) -> list[tuple[str, float, float]]:
    """(name, hand gradient, engine gradient) for every parameter of seed 004's network."""
    names = ["w11", "w12", "w13", "w21", "w22", "w23", "w31", "w41", "w51", "b1", "b2"]
    numbers = {name: rng.uniform(-1, 1) for name in names}
    examples = [((rng.uniform(-2, 2), rng.uniform(-2, 2)), rng.choice((0.0, 1.0))) for _ in range(M_EXAMPLES)]

    # Hand: forward propagation, then the seed's backward chain da2 -> dz2 -> dw2, db2 -> da1 -> dz1 -> dw1, db1.
    p = numbers
    hand = dict.fromkeys(names, 0.0)
    for (x1, x2), y in examples:
        z1 = [x1 * p[f"w1{j}"] + x2 * p[f"w2{j}"] + p["b1"] for j in (1, 2, 3)]  # z11 z12 z13
        a1 = [_sigmoid(z) for z in z1]  # a11 a12 a13
        z21 = a1[0] * p["w31"] + a1[1] * p["w41"] + a1[2] * p["w51"] + p["b2"]
        a21 = _sigmoid(z21)
        dz2 = a21 - y  # da2 * σ'(z21) with da2 = -y/a21 + (1 - y)/(1 - a21)
        for j, source in enumerate(("w31", "w41", "w51")):
            hand[source] += dz2 * a1[j] / M_EXAMPLES  # dw^[2] = dz^[2] a^[1]
        hand["b2"] += dz2 / M_EXAMPLES  # db^[2] = dz^[2]
        for j, out_weight in enumerate(("w31", "w41", "w51")):
            da1 = dz2 * p[out_weight]  # da^[1] = w^[2] dz^[2]
            dz1 = da1 * a1[j] * (1 - a1[j])  # dz^[1] = da^[1] σ'(z^[1])
            hand[f"w1{j + 1}"] += dz1 * x1 / M_EXAMPLES  # dw^[1] = dz^[1] x
            hand[f"w2{j + 1}"] += dz1 * x2 / M_EXAMPLES
            hand["b1"] += dz1 / M_EXAMPLES  # b1 feeds all three neurons: its gradient sums theirs

    # Engine: the same network built from Values, one dot node per neuron.
    v = {name: Value(value, label=name) for name, value in numbers.items()}
    losses = []
    for (x1, x2), y in examples:
        a1 = [engine.dot([v[f"w1{j}"], v[f"w2{j}"]], [x1, x2], start=v["b1"]).sigmoid() for j in (1, 2, 3)]
        a21 = engine.dot([v["w31"], v["w41"], v["w51"]], a1, start=v["b2"]).sigmoid()
        losses.append(-(y * a21.log() + (1 - y) * (1 - a21).log()))
    cost = engine.sum(losses) / M_EXAMPLES
    cost.backward()
    return [(name, hand[name], v[name].grad) for name in names]


# --- seed 002: the i-j-k delta rule ------------------------------------------------------------------------


def seed_002_rows(rng: random.Random) -> list[tuple[str, float, float]]:
    """(name, hand gradient, engine gradient) for every weight and bias of seed 002's i-j-k network."""
    x = [rng.uniform(-1, 1) for _ in range(SIZE_I)]
    t = [rng.uniform(0, 1) for _ in range(SIZE_K)]
    W_ij = [[rng.uniform(-1, 1) for _ in range(SIZE_J)] for _ in range(SIZE_I)]
    W_jk = [[rng.uniform(-1, 1) for _ in range(SIZE_K)] for _ in range(SIZE_J)]
    theta_j = [rng.uniform(-1, 1) for _ in range(SIZE_J)]
    theta_k = [rng.uniform(-1, 1) for _ in range(SIZE_K)]

    # Hand: feed forward, then the deltas.
    O_j = [_sigmoid(sum(x[i] * W_ij[i][j] for i in range(SIZE_I)) + theta_j[j]) for j in range(SIZE_J)]
    O_k = [_sigmoid(sum(O_j[j] * W_jk[j][k] for j in range(SIZE_J)) + theta_k[k]) for k in range(SIZE_K)]
    delta_k = [O_k[k] * (1 - O_k[k]) * (O_k[k] - t[k]) for k in range(SIZE_K)]
    delta_j = [O_j[j] * (1 - O_j[j]) * sum(delta_k[k] * W_jk[j][k] for k in range(SIZE_K)) for j in range(SIZE_J)]

    # Engine.
    vW_ij = [[Value(w) for w in row] for row in W_ij]
    vW_jk = [[Value(w) for w in row] for row in W_jk]
    vtheta_j = [Value(b) for b in theta_j]
    vtheta_k = [Value(b) for b in theta_k]
    vO_j = [engine.dot([vW_ij[i][j] for i in range(SIZE_I)], x, start=vtheta_j[j]).sigmoid() for j in range(SIZE_J)]
    vO_k = [engine.dot([vW_jk[j][k] for j in range(SIZE_J)], vO_j, start=vtheta_k[k]).sigmoid() for k in range(SIZE_K)]
    E = 0.5 * engine.sum([(vO_k[k] - t[k]) ** 2 for k in range(SIZE_K)])
    E.backward()

    rows = []
    for i in range(SIZE_I):
        for j in range(SIZE_J):
            rows.append((f"W_{i + 1}{j + 1} (i->j)", x[i] * delta_j[j], vW_ij[i][j].grad))
    for j in range(SIZE_J):
        for k in range(SIZE_K):
            rows.append((f"W_{j + 1}{k + 1} (j->k)", O_j[j] * delta_k[k], vW_jk[j][k].grad))
    rows += [(f"θ_j{j + 1}", delta_j[j], vtheta_j[j].grad) for j in range(SIZE_J)]
    rows += [(f"θ_k{k + 1}", delta_k[k], vtheta_k[k].grad) for k in range(SIZE_K)]
    return rows


def _print_table(title: str, rows: list[tuple[str, float, float]]) -> None:
    print(title)
    print(f"  {'parameter':<16} {'hand':>22} {'engine':>22} {'|difference|':>13}")
    for name, hand, engine_grad in rows:
        print(f"  {name:<16} {hand:>22.17f} {engine_grad:>22.17f} {abs(hand - engine_grad):>13.2e}")
    print()


def main(argv: Sequence[str] | None = None) -> dict:
    """Print both tables and return ``{"rows": [(table, name, hand, engine), ...], "max_difference": float,
    "passed": bool}``. ``--quick`` and ``--out`` change nothing: the full run is instant and writes no files."""
    parse_args(__doc__, argv, quick=False, out=False)
    rng = random.Random(SEED)
    tables = {
        "seed 004: 2-3-1 sigmoid network, cross-entropy over m = 4 examples": seed_004_rows(rng),
        "seed 002: i-j-k delta rule (I=3, J=4, K=2), E = ½ Σ_k (O_k - t_k)²": seed_002_rows(rng),
    }
    rows = []
    for title, table in tables.items():
        _print_table(title, table)
        rows += [(title, name, hand, engine_grad) for name, hand, engine_grad in table]
    max_difference = max(abs(hand - engine_grad) for _, _, hand, engine_grad in rows)
    passed = max_difference <= TOLERANCE
    print(f"max |hand - engine| = {max_difference:.2e} over {len(rows)} parameters (tolerance {TOLERANCE:g})")
    print("PASS" if passed else "FAIL")
    return {"rows": rows, "max_difference": max_difference, "passed": passed}


if __name__ == "__main__":
    sys.exit(0 if main()["passed"] else 1)
