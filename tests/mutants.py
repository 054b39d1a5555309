"""Mutation score of the property suite: break each op's local derivative in turn and count the breaks it catches.

    .venv/bin/python tests/mutants.py              # every mutant, 2 at a time; prints a table and "caught N/M"
    .venv/bin/python tests/mutants.py --only MUL DOT --jobs 1

Each mutant runs the property suite in its own pytest subprocess, with this file loaded as a plugin
(``-p mutants``) that wraps ``engine.ops.<OP>.rule`` IN MEMORY, as named by ``CHAINRULE_MUTANT=OP:kind``.
No engine file is ever edited. Ops made with ``op.bind(c)`` copy ``rule`` when they are made, so patching the
module-level Op reaches the constant ops too. The mutant runs use the ``ci`` profile derandomized (a
reproducible score) and no example database (failures of mutants must not be replayed on the real engine).

Kinds: ``negated`` (every local derivative times -1), ``scaled`` (times 1.01), ``swapped`` (the two operands'
derivatives trade places; for ``DOT`` the weights' and the inputs'), ``offset`` (+0.01, for ops whose
derivative is identically 0, where negating and scaling change nothing), and ``source``: the one-line bugs of
``SOURCE_MUTANTS`` in the code around the rules (the chain-rule loop, the zero-gradient skip's finiteness guard, kink
branches, float forms, the create_graph math, the dot rule nn reaches), each recompiled in memory.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ENVIRONMENT_VARIABLE = "CHAINRULE_MUTANT"
ROOT = Path(__file__).resolve().parent.parent
SUITE = [
    "tests/engine/test_properties_ops.py",
    "tests/engine/test_properties_second_derivatives.py",
    "tests/engine/test_properties_graphs.py",
    "tests/engine/test_state_machine.py",
    "tests/engine/test_properties_torch.py",
    "tests/nn/test_mlp_gradient_property.py",
    "tests/engine/test_edges.py",  # the kinks and edge values, pinned by name
]

TWO_OPERANDS = {"ADD", "SUB", "MUL", "DIV", "POW", "DOT", "ATAN2", "MOD", "MAXIMUM", "MINIMUM", "WHERE"}  # WHERE: 3
ZERO_DERIVATIVE = {"STEP", "SIGN", "FLOOR", "CEIL", "ROUND"}

# (op, kind) -> why the mutant computes the same gradients as the original, so no test can catch it
EQUIVALENT = {
    ("ADD", "swapped"): "d(x+y) = (1, 1): swapping equal derivatives changes nothing",
    **{(op, "negated"): f"{op.lower()}' = 0 and -0 = 0 (an offset mutant replaces it)" for op in ZERO_DERIVATIVE},
    **{(op, "scaled"): f"{op.lower()}' = 0 and 1.01 * 0 = 0 (an offset mutant replaces it)" for op in ZERO_DERIVATIVE},
}


# One-line bugs in the code AROUND the local derivatives: the chain-rule loop, the zero-gradient skip, kink branches,
# the forward float forms, the create_graph math and the dot rule that nn's neurons reach. Each is
# name -> (module, function, original text, mutated text); the function is recompiled from its mutated source IN
# MEMORY (its registry entry and FLOATS entry follow), so no file is edited.
SOURCE_MUTANTS = {
    "zero-skip-unguarded": ("engine.value", "_passes_nothing", "0.0 * total == 0.0", "True"),
    "chain-rule-drops-upstream": ("engine.value", "_backpropagate", "previous + local * upstream", "previous + local"),
    "chain-rule-overwrites": ("engine.value", "_backpropagate", "if previous is None else", "if True else"),
    "store-leaves-overwrite": ("engine.value", "_store_gradients", "map(operator.add, starts, added)", "added"),
    "relu-kink-strict": ("engine.ops", "_relu", "dead = x <= 0.0", "dead = x < 0.0"),
    "abs-kink": ("engine.ops", "_abs", "num.where(x > 0.0, 1.0", "num.where(x >= 0.0, 1.0"),
    "leaky-relu-kink": ("engine.ops", "_leaky_relu", "positive = x > 0.0", "positive = x >= 0.0"),
    "step-kink": ("engine.ops", "_step", "x >= 0.0", "x > 0.0"),
    "sigmoid-create-graph-as-tanh": (
        "engine.ops",
        "_sigmoid",
        "s = num.sigmoid(x)",
        "s = num.sigmoid(x) if num is FLOATS else num.tanh(x)",
    ),
    "create-graph-pow-exponent": ("engine.ops", "_pow", "out * num.log(x))", "out * num.log(x) * 1.01)"),
    "float-form-exp": ("engine.ops", "exp", "return math.exp(x)", "return math.exp(x) * (1 + 1e-9)"),
    "float-form-softplus": ("engine.ops", "softplus", "max(x, 0.0) + math.log1p", "max(x, 0.0) + 1.001 * math.log1p"),
    "dot-bias-derivative": ("engine.ops", "dot_parts", "(1.0,) * len(bias)", "(0.99,) * len(bias)"),
    "dot-inputs-as-weights": ("engine.ops", "dot_parts", "(*xs, *ws,", "(*ws, *ws,"),
}


def _recompile(module_name: str, function_name: str, original_text: str, mutated_text: str) -> None:
    """Replace ``module.function`` by the function compiled from its source with one text replaced."""
    import importlib
    import inspect
    import textwrap

    import engine.ops

    module = importlib.import_module(module_name)
    original = getattr(module, function_name)
    source = textwrap.dedent(inspect.getsource(original))
    if source.count(original_text) != 1:
        raise RuntimeError(f"mutant text {original_text!r} is not found once in {module_name}.{function_name}")
    scratch: dict = {}
    exec(
        compile(source.replace(original_text, mutated_text), inspect.getsourcefile(original), "exec"),
        module.__dict__,
        scratch,
    )  # runs its decorators too (@float_form registers the mutant in FLOATS)
    mutated = scratch[function_name]
    setattr(module, function_name, mutated)
    for op in engine.ops.REGISTRY.values():
        if op.rule is original:
            op.rule = mutated


def _swap(grads: tuple) -> tuple:
    if len(grads) == 2:
        return (grads[1], grads[0])
    n = len(grads) // 2  # DOT: (d/dw..., d/dx..., d/dbias)
    return grads[n : 2 * n] + grads[:n] + grads[2 * n :]


MUTATIONS = {
    "negated": lambda grads: tuple(-g for g in grads),
    "scaled": lambda grads: tuple(g * 1.01 for g in grads),
    "swapped": _swap,
    "offset": lambda grads: tuple(g + 0.01 for g in grads),
}


def op_names() -> list[str]:
    """Every Op defined in ``engine.ops``, by its module-level name."""
    if sys.path[0] != str(ROOT):  # this checkout's engine, not the one an editable install points at
        sys.path.insert(0, str(ROOT))
    import engine.ops

    return sorted(name for name, value in vars(engine.ops).items() if isinstance(value, engine.ops.Op))


def mutants() -> list[tuple[str, str]]:
    """Every (op, kind) pair, equivalent ones included (they are reported, not run)."""
    pairs = []
    for name in op_names():
        kinds = ["negated", "scaled"]
        if name in TWO_OPERANDS:
            kinds.append("swapped")
        if name in ZERO_DERIVATIVE:
            kinds.append("offset")
        pairs.extend((name, kind) for kind in kinds)
    pairs.extend((name, "source") for name in SOURCE_MUTANTS)
    return pairs


def _mutated(rule, kind: str):
    mutate = MUTATIONS[kind]

    def mutant(m, *args):
        out, local_grads = rule(m, *args)
        return out, mutate(tuple(local_grads))

    return mutant


# --- the pytest plugin side (loaded in the subprocess with -p mutants) ---------------------------------


def pytest_configure(config) -> None:
    spec = os.environ.get(ENVIRONMENT_VARIABLE)
    if not spec:
        return
    from hypothesis import Phase, settings

    import engine.ops

    name, kind = spec.split(":")
    if kind == "source":
        _recompile(*SOURCE_MUTANTS[name])
    else:
        op = getattr(engine.ops, name)
        op.rule = _mutated(op.rule, kind)
    base = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
    settings.register_profile(
        "mutant",
        parent=base,
        database=None,
        derandomize=True,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate),  # a caught mutant needs no shrunk example: saves minutes
    )
    settings.load_profile("mutant")


# --- the runner side ----------------------------------------------------------------------------------


def _suite() -> list[str]:
    return [path for path in SUITE if (ROOT / path).exists()]


def run(mutant: tuple[str, str] | None, profile: str, select: str = "") -> tuple[str, str, float]:
    """Run the suite against one mutant (None: the unmutated engine): (status, first failing test, seconds)."""
    environment = dict(os.environ, HYPOTHESIS_PROFILE=profile)
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests"), str(ROOT), environment.get("PYTHONPATH", "")])
    environment.pop(ENVIRONMENT_VARIABLE, None)
    if mutant is not None:
        environment[ENVIRONMENT_VARIABLE] = ":".join(mutant)
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider", "-p", "mutants"]
    if select:
        command += ["-k", select]
    start = time.perf_counter()
    result = subprocess.run(command + _suite(), cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    lines = result.stdout.splitlines()
    failed = [line.split()[1].split("::", 1)[-1] for line in lines if line.startswith("FAILED ")]
    errors = [line for line in lines if line.startswith("ERROR ")]
    if result.returncode == 0:
        return "survived", "", seconds
    if result.returncode == 1 and failed and not errors:  # a test failed: only that counts as caught
        return "caught", failed[0], seconds
    detail = (errors or (result.stdout + result.stderr).strip().splitlines() or [""])[-1]
    return f"error (exit {result.returncode})", detail, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None, help="op names (e.g. MUL DOT); default every op")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at once (default 2)")
    parser.add_argument("--profile", default="ci", help="Hypothesis profile for the runs (default ci)")
    parser.add_argument(
        "--without-per-op-tests",
        action="store_true",
        help="deselect the one-op tests, to see what the graph, state-machine and torch suites catch alone",
    )
    arguments = parser.parse_args(argv)
    select = "not every_op" if arguments.without_per_op_tests else ""

    status, first, seconds = run(None, arguments.profile, select)
    print(f"unmutated engine: {status} in {seconds:.0f}s {first}")
    if status != "survived":
        print("the suite must pass on the real engine before mutants mean anything")
        return 2

    chosen = [m for m in mutants() if arguments.only is None or m[0] in arguments.only]
    live = [m for m in chosen if m not in EQUIVALENT]
    with ThreadPoolExecutor(max_workers=max(1, arguments.jobs)) as pool:
        results = dict(zip(live, pool.map(lambda m: run(m, arguments.profile, select), live)))

    print(f"\n| {'op':<14} | {'mutant':<8} | {'result':<10} | {'seconds':>7} | first failing test / reason |")
    print(f"|{'-' * 16}|{'-' * 10}|{'-' * 12}|{'-' * 9}|{'-' * 29}|")
    for mutant in chosen:
        if mutant in EQUIVALENT:
            print(f"| {mutant[0]:<14} | {mutant[1]:<8} | {'equivalent':<10} | {'':>7} | {EQUIVALENT[mutant]} |")
            continue
        status, first, seconds = results[mutant]
        print(f"| {mutant[0]:<14} | {mutant[1]:<8} | {status:<10} | {seconds:>7.1f} | {first} |")
    caught = sum(status == "caught" for status, _, _ in results.values())
    excluded = len(chosen) - len(live)
    print(f"\ncaught {caught}/{len(live)} ({excluded} equivalent mutants excluded)")
    return 0 if caught == len(live) else 1


if __name__ == "__main__":
    sys.exit(main())
