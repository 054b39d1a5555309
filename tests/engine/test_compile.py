"""engine.compile against eager chainrule (the oracle): the moons MLP, random expression DAGs, guards, structure,
big graphs, the generated source and the user errors."""

from __future__ import annotations

import math
import random
import sys
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import Value
from engine.compiler import TracingError
from nn import MLP, losses

BACKENDS = ["python", "numpy", "torch"]
TOLERANCE = 1e-12


def _backend_available(backend: str) -> None:
    if backend != "python":
        pytest.importorskip(backend)


def assert_close(actual: float, expected: float, what: str = "", scale: float = 0.0) -> None:
    """Equal to 1e-12 relative (to ``scale`` when larger: a gradient summed in another order from terms much larger
    than itself keeps 1e-12 of the terms, not of the sum); nan only where eager says nan, inf with its sign."""
    if math.isnan(expected):
        assert math.isnan(actual), f"{what}: expected nan, got {actual!r}"
        return
    if math.isinf(expected) or (expected == 0.0 and scale == 0.0):  # a zero summed from larger terms may round
        assert actual == expected, f"{what}: expected {expected!r}, got {actual!r}"
        return
    bound = TOLERANCE * max(abs(expected), scale)
    assert abs(actual - expected) <= bound, f"{what}: expected {expected!r}, got {actual!r}"


def assert_all_close(actual: list[float], expected: list[float], what: str = "", floor: float = 0.0) -> None:
    """Each entry to 1e-12 of itself or of the largest finite entry of the vector (or of ``floor``, the size of
    the terms a gradient is summed from, when that is known to be larger)."""
    assert len(actual) == len(expected)
    scale = max([abs(e) for e in expected if math.isfinite(e)] + [floor])
    for k, (a, e) in enumerate(zip(actual, expected)):
        assert_close(a, e, f"{what} #{k}", scale)


def moons(n: int, seed: int) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * rng.random()
        upper = i % 2 == 0
        point = [math.cos(t), math.sin(t)] if upper else [1.0 - math.cos(t), 0.5 - math.sin(t)]
        xs.append([point[0] + rng.gauss(0, 0.1), point[1] + rng.gauss(0, 0.1)])
        ys.append(-1.0 if upper else 1.0)
    return xs, ys


def make_model() -> tuple[MLP, list[Value]]:
    model = MLP(2, [16, 16, 1], seed=1337)
    return model, model.parameters()


def eager_batch(model: MLP, params: list[Value], xs: list, ys: list) -> tuple[float, list[float]]:
    """The oracle: the whole batch as one eager graph, mean over samples (the per-sample loss includes the L2)."""
    per_sample = [losses.hinge(model(x), y) + 1e-4 * losses.l2(params) for x, y in zip(xs, ys)]
    loss = engine.sum(per_sample) / len(per_sample)
    return loss.data, engine.grad(loss, params)


@pytest.mark.parametrize("backend", BACKENDS)
def test_moons_mlp_batch_matches_eager_on_traced_and_fresh_data(backend: str) -> None:
    _backend_available(backend)
    model, params = make_model()
    compiled = engine.compile(
        lambda x, y: losses.hinge(model(x), y) + 1e-4 * losses.l2(params), params, backend=backend
    )
    for seed in (1337, 4242):  # the trace comes from the first sample of the first call
        xs, ys = moons(60, seed)
        expected_value, expected_grads = eager_batch(model, params, xs, ys)
        for p in params:
            p.grad = 0.0
        value = compiled.batch(xs, ys)
        assert_close(value, expected_value, "loss")
        assert_all_close([p.grad for p in params], expected_grads, "gradient")


@pytest.mark.parametrize("backend", BACKENDS)
def test_moons_training_steps_follow_eager_after_the_parameters_change(backend: str) -> None:
    _backend_available(backend)
    model, params = make_model()
    twin, twin_params = make_model()
    compiled = engine.compile(
        lambda x, y: losses.hinge(model(x), y) + 1e-4 * losses.l2(params), params, backend=backend
    )
    xs, ys = moons(40, 7)
    for _ in range(5):  # the optimizer changes .data between calls: each call reads it again
        expected_value, expected_grads = eager_batch(twin, twin_params, xs, ys)
        for p in params:
            p.grad = 0.0
        assert_close(compiled.batch(xs, ys), expected_value, "loss")
        assert_all_close([p.grad for p in params], expected_grads, "gradient")
        for p, q, g in zip(params, twin_params, expected_grads):
            p.data -= 0.5 * p.grad
            q.data -= 0.5 * g


def test_batch_sum_is_the_sum_of_single_calls() -> None:
    model, params = make_model()
    compiled = engine.compile(lambda x, y: losses.hinge(model(x), y), params)
    xs, ys = moons(10, 3)
    single = [compiled.value_and_grad(x, y) for x, y in zip(xs, ys)]
    for p in params:
        p.grad = 0.0
    total = compiled.batch(xs, ys, reduce="sum")
    assert_close(total, math.fsum(v for v, _ in single), "sum")
    for k, p in enumerate(params):
        assert p.grad == pytest.approx(math.fsum(g[k] for _, g in single), rel=1e-12, abs=1e-300)


def test_call_adds_into_grad_like_backward_and_value_touches_nothing() -> None:
    model, params = make_model()
    compiled = engine.compile(lambda x: model(x), params)
    x = [0.3, -0.7]
    out = model([Value(v) for v in x])
    expected = engine.grad(out, params)
    for p in params:
        p.grad = 0.0
    assert_close(compiled(x), out.data)
    assert_close(compiled(x), out.data)
    assert_all_close([p.grad for p in params], [2 * g for g in expected], "twice the gradient")
    before = [p.grad for p in params]
    assert_close(compiled.value(x), out.data)
    assert [p.grad for p in params] == before
    value, grads = compiled.value_and_grad(x)
    assert_all_close(grads, expected)
    assert [p.grad for p in params] == before


def test_a_frozen_param_keeps_its_grad() -> None:
    w, b = Value(2.0), Value(0.5)
    b.requires_grad = False
    b.grad = 0.0
    compiled = engine.compile(lambda x: w * x + b, [w, b])
    compiled(3.0)
    assert (w.grad, b.grad) == (3.0, 0.0)


# --- random expression DAGs: every op, against eager --------------------------------------------------


def _expressions():
    testing = pytest.importorskip("engine.testing")
    return testing.expressions(max_inputs=3, max_ops=6)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_random_expression_graphs_value_and_gradients_equal_eager(data) -> None:
    expression = data.draw(_expressions())
    leaves = [Value(p) for p in expression.points]
    out = expression(*leaves)
    expected = engine.grad(out, leaves)
    compiled = engine.compile(lambda: expression(*leaves), leaves)
    value, grads = compiled.value_and_grad()
    assert_close(value, out.data, f"{expression!r} value")
    # The ops' domains keep local derivatives at 1e-3 .. 1e3, so a gradient that cancels to nearly 0 (cos' + acos' +
    # abs' at x = 1e-38: -1e-38 - 1 + 1) is compared to 1e-12 of terms of size 1, whatever order each sums in.
    assert_all_close(grads, expected, f"{expression!r} gradient", floor=1.0)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_expression_graphs_batched_with_numpy_equal_eager(data) -> None:
    pytest.importorskip("numpy")
    expression = data.draw(_expressions())
    params = [Value(p) for p in expression.points]
    scales = [1.0, 1.0 + 1e-3, 1.0 - 1e-3]  # per-sample inputs: the traced one and two others

    def fn(scale):
        return expression(*[p * scale for p in params])

    per_sample = [fn(s) for s in scales]
    loss = engine.sum(per_sample) / len(per_sample)
    expected = engine.grad(loss, params)
    compiled = engine.compile(fn, params, backend="numpy")
    value = compiled.batch(scales)
    assert_close(value, loss.data, f"{expression!r} value")
    # as above: a gradient that cancels to nearly 0 is compared to 1e-12 of its terms (of size 1)
    assert_all_close([p.grad for p in params], expected, f"{expression!r} gradient", floor=1.0)


# --- guards and structure ------------------------------------------------------------------------------


def test_a_comparison_on_an_input_is_guarded_and_each_sign_replays_its_own_branch() -> None:
    w = Value(3.0)

    def fn(x):
        if x > 0:
            return w * x
        return -w * x * x

    compiled = engine.compile(fn, [w])
    for x in (2.0, -2.0, 5.0, -0.5, 0.0):
        expected_w = x if x > 0 else -x * x
        value, (grad_w,) = compiled.value_and_grad(x)
        assert value == (3.0 * x if x > 0 else -3.0 * x * x)
        assert grad_w == expected_w


def test_bool_of_a_traced_value_is_guarded() -> None:
    def fn(x):
        return x * 2 if x else x + 1

    compiled = engine.compile(fn)
    assert [compiled.value(x) for x in (1.5, 0.0, -2.0, 0.0)] == [3.0, 1.0, -4.0, 1.0]


def test_a_batch_whose_samples_take_different_branches_is_still_right() -> None:
    w = Value(1.5)

    def fn(x):
        return (w * x) if x > 0 else (w * w * x)

    for backend in ("python", "numpy"):
        if backend == "numpy":
            pytest.importorskip("numpy")
        compiled = engine.compile(fn, [w], backend=backend)
        xs = [1.0, -2.0, 3.0, -4.0]
        w.grad = 0.0
        value = compiled.batch(xs, reduce="sum")
        assert value == pytest.approx(1.5 * 4.0 + 2.25 * -6.0, rel=1e-12)
        assert w.grad == pytest.approx(4.0 + 2 * 1.5 * -6.0, rel=1e-12)


def test_reading_data_of_an_input_is_refused_with_the_file_and_line() -> None:
    def fn(x):
        if x.data > 0:  # the line the error must name
            return x * 2
        return -x

    compiled = engine.compile(fn)
    line = fn.__code__.co_firstlineno + 1
    with pytest.raises(TracingError, match=rf"\(\.data\) at .*test_compile\.py:{line}\b"):
        compiled.value(1.0)
    with pytest.raises(TracingError):
        compiled.value(-1.0)


@pytest.mark.parametrize("convert", [float, int, lambda v: round(v, 2)], ids=["float", "int", "round"])
def test_converting_a_traced_value_to_a_number_is_refused(convert) -> None:
    compiled = engine.compile(lambda x: x * convert(x))
    with pytest.raises(TracingError, match=r"test_compile\.py:\d+"):
        compiled.value(2.0)


def test_decisions_on_constants_need_no_guard() -> None:
    c = Value(2.0)
    compiled = engine.compile(lambda x: x * c if c.data > 1 and c > 1 else x)
    assert compiled.value(3.0) == 6.0


def test_more_branches_than_the_cache_holds_fall_back_to_eager_with_one_warning() -> None:
    def fn(x):
        for k in range(20):
            if x < k:
                return x * k
        return x

    compiled = engine.compile(fn)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = [compiled.value(float(k) - 0.5) for k in range(1, 15)]
    assert values == [(k - 0.5) * k for k in range(1, 15)]
    assert sum(issubclass(w.category, RuntimeWarning) for w in caught) == 1


def test_another_argument_structure_gets_its_own_trace() -> None:
    w = Value(0.5)
    compiled = engine.compile(lambda xs: engine.sum([w * x for x in xs]), [w])
    assert compiled.value_and_grad([1.0, 2.0]) == (1.5, [3.0])
    assert compiled.value_and_grad([1.0, 2.0, 4.0]) == (3.5, [7.0])
    assert compiled.value_and_grad([1.0, 2.0]) == (1.5, [3.0])


# --- big graphs ----------------------------------------------------------------------------------------


def _chain(x0: Value, n: int) -> Value:
    x = x0
    for _ in range(n):
        x = x * 1.0001 + 0.0001
    return x


def test_a_chain_past_the_code_limit_is_chunked_and_equals_eager() -> None:
    from engine.compiler import CODE_LIMIT

    n = CODE_LIMIT // 2 + 500  # 2 nodes per link: past the limit
    x0 = Value(0.5)
    out = _chain(x0, n)
    (expected,) = engine.grad(out, [x0])
    compiled = engine.compile(lambda: _chain(x0, n), [x0])
    value, (grad,) = compiled.value_and_grad()
    assert_close(value, out.data)
    assert_close(grad, expected)
    assert "chunks" in compiled.source
    assert sys.getrecursionlimit() == 1000 or True  # nothing here changes it


def test_chunked_form_handles_guards_and_batches(monkeypatch) -> None:
    from engine import compile as _  # noqa: F401 - the function; the module is below

    module = sys.modules["engine.compiler"]
    monkeypatch.setattr(module, "CODE_LIMIT", 10)
    monkeypatch.setattr(module, "CHUNK_STATEMENTS", 3)
    model, params = make_model()
    compiled = engine.compile(lambda x, y: losses.hinge(model(x), y) + 1e-4 * losses.l2(params), params)
    xs, ys = moons(12, 5)
    expected_value, expected_grads = eager_batch(model, params, xs, ys)
    for p in params:
        p.grad = 0.0
    assert_close(compiled.batch(xs, ys), expected_value)
    assert_all_close([p.grad for p in params], expected_grads)
    guarded = engine.compile(lambda x: x * 3 if x > 0 else x * x)
    assert [guarded.value(v) for v in (2.0, -2.0)] == [6.0, 4.0]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_expression_graphs_through_the_chunked_form_equal_eager_single_and_batched(data) -> None:
    expression = data.draw(_expressions())
    params = [Value(p) for p in expression.points]
    scales = [1.0, 1.0 + 1e-3, 1.0 - 1e-3]

    def fn(scale):
        return expression(*[p * scale for p in params])

    single = expression(*params)
    expected_single = engine.grad(single, params)
    per_sample = [fn(s) for s in scales]
    loss = engine.sum(per_sample)
    expected = engine.grad(loss, params)
    module = sys.modules["engine.compiler"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "CODE_LIMIT", 3)
        patch.setattr(module, "CHUNK_STATEMENTS", 2)
        value, grads = engine.compile(lambda: expression(*params), params).value_and_grad()
        batched = engine.compile(fn, params)
        batch_value = batched.batch(scales, reduce="sum")
        assert "chunks" in batched.source
    assert_close(value, single.data, f"{expression!r} value")
    assert_all_close(grads, expected_single, f"{expression!r} gradient", floor=1.0)
    assert_close(batch_value, loss.data, f"{expression!r} batch value")
    assert_all_close([p.grad for p in params], expected, f"{expression!r} batch gradient", floor=1.0)


def test_builtin_sums_in_the_chunked_form_equal_eager_with_reused_partial_sums_guards_and_skipped_nan(
    monkeypatch,
) -> None:
    module = sys.modules["engine.compiler"]
    monkeypatch.setattr(module, "CODE_LIMIT", 10)
    monkeypatch.setattr(module, "CHUNK_STATEMENTS", 5)
    monkeypatch.setattr(module, "SUM_TERMS", 4)
    ws = [Value(0.1 * (k + 1) * (-1) ** k) for k in range(40)]

    def fn(x):
        terms = [w * x for w in ws]
        partial = sum(terms[:13])  # also used below: an addition of its own
        total = sum(terms[13:], partial) + partial * 2.0
        if partial > 0:
            total = total + sum(w.exp() for w in ws[:7])
        # a zero gradient reaches this sum: eager skips it, so the infinite slope of sqrt(0) passes no nan
        return total + sum([ws[2] * x, (ws[3] - ws[3]).sqrt(), x]) * 0.0

    compiled = engine.compile(fn, ws)
    for x in (1.5, -1.5):
        out = fn(Value(x))
        value, grads = compiled.value_and_grad(x)
        assert_close(value, out.data)
        assert_all_close(grads, engine.grad(out, ws))
        assert not any(math.isnan(g) for g in grads)
    xs = [1.5, 2.0, 0.5]
    loss = engine.sum([fn(Value(x)) for x in xs])
    expected = engine.grad(loss, ws)
    for w in ws:
        w.grad = 0.0
    assert_close(compiled.batch(xs, reduce="sum"), loss.data)
    assert_all_close([w.grad for w in ws], expected)
    assert "chunks" in compiled.source


def test_in_the_chunked_form_a_zero_gradient_skips_a_bias_below_it_as_eager_does(monkeypatch) -> None:
    module = sys.modules["engine.compiler"]
    monkeypatch.setattr(module, "CODE_LIMIT", 3)
    w, b = Value(2.0), Value(0.0)

    def fn(x):
        # x = inf: the dot's gradient is 0 but its slope for w is inf, so it passes on (w gets nan) and its bias
        # gets 0, which the bias skips (finite slopes): sqrt(b), of slope inf at 0, is never reached (b gets no nan)
        dot = engine.dot([w], [x], b.sqrt() + 1.0)
        return dot * 0.0 + dot * 0.0

    out = fn(Value(math.inf))
    expected = engine.grad(out, [w, b])
    value, grads = engine.compile(fn, [w, b]).value_and_grad(math.inf)
    assert math.isnan(value) and math.isnan(out.data)
    assert [math.isnan(g) for g in grads] == [math.isnan(g) for g in expected] == [True, False]
    assert grads[1] == expected[1] == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_batch_past_the_code_limit_with_builtin_sums_equals_eager(monkeypatch, backend: str) -> None:
    _backend_available(backend)
    module = sys.modules["engine.compiler"]
    monkeypatch.setattr(module, "CODE_LIMIT", 3)
    rng = random.Random(4)
    ws = [Value(rng.uniform(-1.0, 1.0)) for _ in range(5)]

    def fn(x):  # a per-sample sum and a sum of the params only (computed once per call by numpy and torch)
        return sum(w * x for w in ws) * x + sum(w * w for w in ws)

    xs = [0.5, 1.5, -2.0]
    loss = engine.sum([fn(Value(x)) for x in xs])
    expected = engine.grad(loss, ws)
    compiled = engine.compile(fn, ws, backend=backend)
    for w in ws:
        w.grad = 0.0
    assert_close(compiled.batch(xs, reduce="sum"), loss.data)
    assert_all_close([w.grad for w in ws], expected)


# --- source ---------------------------------------------------------------------------------------------


def test_source_reads_forward_then_reverse_with_the_given_names() -> None:
    model = MLP(2, [1], seed=0)
    compiled = engine.compile(lambda x: model(x).tanh(), model.parameters(), names=dict(model.named_parameters()))
    compiled.value([1.0, 2.0])
    source = compiled.source
    assert "layers_0_neurons_0_w_0 = P[0]" in source
    assert "dot_" in source and "tanh(dot_" in source
    assert "g_layers_0_neurons_0_w_0 += g_dot_" in source
    assert source.index("tanh(dot_") < source.index("g_layers_0_neurons_0_w_0 +=")


# --- user errors -----------------------------------------------------------------------------------------


def test_user_errors_name_what_was_wrong() -> None:
    w = Value(1.0)
    with pytest.raises(TypeError, match="params\\[0\\] must be a Value"):
        engine.compile(lambda x: x, [1.0])
    with pytest.raises(ValueError, match="not a leaf"):
        engine.compile(lambda x: x, [w * 2])
    with pytest.raises(ValueError, match="backend must be"):
        engine.compile(lambda x: x, backend="jax")
    compiled = engine.compile(lambda x: w * x, [w])
    with pytest.raises(TypeError, match="argument 0 is a Value"):
        compiled(w)
    with pytest.raises(TypeError, match="must be a number or a sequence"):
        compiled("3")
    with pytest.raises(ValueError, match="same length"):
        engine.compile(lambda x, y: w * x * y, [w]).batch([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="reduce must be"):
        compiled.batch([1.0], reduce="max")
    with pytest.raises(TypeError, match="must return a Value"):
        engine.compile(lambda x: "nope").value(1.0)


def test_a_root_with_a_zero_seed_gradient_still_passes_nan_from_an_infinite_local_derivative() -> None:
    # root = sqrt(x) at x = 0: value 0, local derivative inf. With reduce="mean" the seed is never 0, so the
    # reached flag of the root is what decides: the root is always reached.
    x = Value(0.0)
    compiled = engine.compile(lambda: x.sqrt() * 0.0, [x])
    value, (grad,) = compiled.value_and_grad()
    out = x.sqrt() * 0.0
    (expected,) = engine.grad(out, [x])
    assert value == out.data and math.isnan(grad) == math.isnan(expected)
    compiled_root = engine.compile(lambda: x.sqrt(), [x])
    assert compiled_root.value_and_grad() == (0.0, [math.inf])


@pytest.mark.parametrize("backend", BACKENDS)
def test_past_the_tape_limit_an_interpreted_tape_replays_with_guards_and_batches(monkeypatch, backend: str) -> None:
    _backend_available(backend)
    module = sys.modules["engine.compiler"]
    monkeypatch.setattr(module, "TAPE_LIMIT", 10)
    model, params = make_model()
    compiled = engine.compile(
        lambda x, y: losses.hinge(model(x), y) + 1e-4 * losses.l2(params), params, backend=backend
    )
    xs, ys = moons(12, 6)
    expected_value, expected_grads = eager_batch(model, params, xs, ys)
    for p in params:
        p.grad = 0.0
    assert_close(compiled.batch(xs, ys), expected_value)
    assert_all_close([p.grad for p in params], expected_grads)
    assert "flat tape" in compiled.source
    w = Value(2.0)
    guarded = engine.compile(lambda x: w * x * x * x if x > 0 else (w * x).relu() + x.exp(), [w], backend=backend)
    for x in (2.0, -2.0, 0.5):
        out = w * x * x * x if x > 0 else (w * x).relu() + Value(x).exp()
        value, grads = guarded.value_and_grad(x)
        assert_close(value, out.data)
        assert_all_close(grads, engine.grad(out, [w]))


def test_numpy_batch_of_a_function_without_params_gives_the_mean_value() -> None:
    pytest.importorskip("numpy")
    compiled = engine.compile(lambda z: engine.maximum(z[0], z[1]) * 2, backend="numpy")
    assert compiled.batch([[1.0, -2.0], [-3.0, 0.5]]) == (2.0 + 1.0) / 2
