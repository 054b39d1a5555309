"""``@engine.primitive``: a user's op works wherever a built-in op does, from its one rule."""

import math

import pytest

import engine
import engine.ops
import engine.value
from engine import Value


@pytest.fixture(autouse=True)
def _own_registry(monkeypatch):
    """Each test registers its primitives in a copy of the registry, so names can repeat across tests."""
    monkeypatch.setattr(engine.ops, "REGISTRY", dict(engine.ops.REGISTRY))


def _cube():
    @engine.primitive("cube")
    def cube(num, x):
        return x * x * x, (3 * x * x,)

    return cube


def test_primitive_value_and_backward():
    cube = _cube()
    x = Value(2.0)
    y = cube(x)
    y.backward()
    assert (y.data, x.grad) == (8.0, 12.0)
    assert y.op == "cube" and y.children == (x,)


def test_primitive_takes_plain_numbers_as_constant_leaves():
    assert _cube()(3).data == 27.0


def test_primitive_second_and_third_derivatives_through_create_graph():
    cube = _cube()
    x = Value(-1.5)
    first = engine.grad(cube(x), [x], create_graph=True)[0]
    second = engine.grad(first, [x], create_graph=True)[0]
    third = engine.grad(second, [x])[0]
    assert (first.data, second.data, third) == (3 * 1.5**2, 6 * -1.5, 6.0)


def test_primitive_passes_gradcheck_and_gradgradcheck():
    @engine.primitive("smooth_abs")
    def smooth_abs(num, x, eps):
        root = num.sqrt(x * x + eps * eps)  # √(x² + ε²): d/dx = x / root, d/dε = ε / root
        return root, (num.div(x, root), num.div(eps, root))

    f = lambda x, eps: smooth_abs(x, eps) * x.sin()  # noqa: E731
    assert engine.gradcheck(f, [0.7, 0.3])
    assert engine.gradgradcheck(f, [0.7, 0.3])


def test_primitive_with_where_branches_in_every_number_system():
    @engine.primitive("soft_clip")
    def soft_clip(num, x):
        inside = (x > -1.0) & (x < 1.0)
        return num.where(inside, x - x * x * x / 3.0, num.where(x > 0.0, 2.0 / 3.0, -2.0 / 3.0)), (
            num.where(inside, 1.0 - x * x, 0.0),
        )

    for p in (-2.0, -0.5, 0.25, 3.0):
        assert engine.gradcheck(soft_clip, [p]) and engine.gradgradcheck(soft_clip, [p])


def test_detect_anomaly_names_the_primitive_and_the_line_that_built_it():
    @engine.primitive("reciprocal")
    def reciprocal(num, x):
        out = num.div(1.0, x)
        return out, (-out * out,)

    with engine.detect_anomaly(), pytest.raises(engine.AnomalyError, match=r"reciprocal.*test_primitive\.py:\d+"):
        reciprocal(Value(0.0))


def test_draw_dot_shows_the_primitive_as_an_op_node():
    cube = _cube()
    x = Value(2.0, label="x")
    y = cube(x)
    y.label = "y"
    source = engine.draw_dot(y).source
    assert "cube" in source and "x" in source and "y" in source


def test_a_rule_with_the_wrong_number_of_local_derivatives_is_refused_naming_the_op():
    @engine.primitive("broken")
    def broken(num, x, y):
        return x * y, (y,)

    with pytest.raises(ValueError, match=r"primitive 'broken'.*1 local derivative\(s\) for 2 input\(s\)"):
        broken(Value(1.0), Value(2.0))


def test_a_rule_that_does_not_return_a_pair_is_refused_naming_the_op():
    @engine.primitive("no_pair")
    def no_pair(num, x):
        return x

    with pytest.raises(TypeError, match="primitive 'no_pair'.*must return \\(out, local_grads\\)"):
        no_pair(Value(1.0))


def test_a_name_already_registered_is_refused():
    with pytest.raises(ValueError, match="'tanh' is already registered"):
        engine.primitive("tanh")(lambda num, x: (x, (1.0,)))


def test_a_new_float_form_is_differentiated_as_the_primitive_of_its_name():
    @engine.ops.float_form
    def gauss_erf(x: float) -> float:
        return math.erf(x)

    @engine.primitive("gauss_erf")
    def erf(num, x):
        return num.gauss_erf(x), (2.0 / math.sqrt(math.pi) * num.exp(-x * x),)

    try:
        x = Value(0.4)
        second = engine.grad(engine.grad(erf(x), [x], create_graph=True)[0], [x])[0]
        assert math.isclose(second, -2 * 0.4 * 2 / math.sqrt(math.pi) * math.exp(-0.16), rel_tol=1e-14)
    finally:  # the number systems are shared: leave them as they were
        for system in (engine.ops.FLOATS, engine.value.VALUES):
            vars(system).pop("gauss_erf", None)


def test_primitive_name_must_be_a_string():
    with pytest.raises(TypeError, match="non-empty str"):
        engine.primitive(3)


def test_a_primitive_with_domains_is_sampled_by_engine_testing_like_a_built_in_op():
    import engine.testing

    @engine.primitive("softsign", domains=(engine.ops.Domain(-5.0, 5.0),))
    def softsign(num, x):
        denominator = 1.0 + num.abs(x)
        return num.div(x, denominator), (num.div(1.0, denominator * denominator),)

    specs = {spec.name: spec for spec in engine.testing._registered_specs()}
    spec = specs["SOFTSIGN"]
    assert spec.build([Value(1.0)], None, False).data == 0.5
    for x in (-4.0, -0.3, 0.7, 4.5):
        engine.testing.assert_gradients_match(lambda v: spec.build([v], None, False), [x])
