"""nn.losses: values and input gradients against PyTorch float64 and closed forms, including huge logits."""

import math

import pytest

import engine
from engine import Value
from nn import losses


def close(a, b, tol=1e-12):
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def ours(loss, inputs, *rest):
    """Loss value and d loss / d input for each input, by the engine."""
    xs = [Value(v) for v in inputs]
    out = loss(xs, *rest)
    return out.data, engine.grad(out, xs)


def theirs(torch_loss, inputs, targets):
    torch = pytest.importorskip("torch")
    x = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
    t = torch.tensor(targets, dtype=torch.float64 if not isinstance(targets[0], int) else torch.long)
    out = torch_loss(x, t)
    out.backward()
    return out.item(), x.grad.tolist()


def assert_same(a, b):
    (value_a, grads_a), (value_b, grads_b) = a, b
    assert close(value_a, value_b), (value_a, value_b)
    assert all(close(x, y) for x, y in zip(grads_a, grads_b)), (grads_a, grads_b)


def test_mse_equals_torch_mse_loss():
    torch = pytest.importorskip("torch")
    p, t = [0.3, -1.2, 2.5, 1000.0], [0.0, 1.0, 2.0, -1000.0]
    assert_same(ours(losses.mse, p, t), theirs(torch.nn.MSELoss(), p, t))


def test_mse_of_one_pair_is_the_squared_error():
    x = Value(3.0)
    out = losses.mse(x, 1.0)
    out.backward()
    assert (out.data, x.grad) == (4.0, 4.0)


@pytest.mark.parametrize(
    ("p", "y"),
    [
        ([0.1, 0.5, 0.9, 0.999], [0.0, 1.0, 1.0, 0.0]),
        ([0.25, 0.75], [0.3, 0.6]),  # soft targets
        ([1e-6, 1 - 1e-6], [1.0, 0.0]),
    ],
)
def test_binary_cross_entropy_equals_torch_bce_loss(p, y):
    torch = pytest.importorskip("torch")
    assert_same(ours(losses.binary_cross_entropy, p, y), theirs(torch.nn.BCELoss(), p, y))


def test_binary_cross_entropy_below_torch_backward_epsilon_gives_the_true_derivative():
    # Documented difference: torch's backward divides by max(p(1 - p), 1e-12); we differentiate the loss itself.
    torch = pytest.importorskip("torch")
    value, grads = ours(losses.binary_cross_entropy, [1e-30], [1.0])
    torch_value, torch_grads = theirs(torch.nn.BCELoss(), [1e-30], [1.0])
    assert close(value, torch_value) and close(value, 30 * math.log(10))
    assert close(grads[0], -1e30)  # d(-log p)/dp = -1/p
    assert torch_grads[0] == pytest.approx(-1e12, rel=1e-8)  # their EPSILON is 1e-12 in float32


def test_binary_cross_entropy_clamps_log_at_minus_100_like_torch():
    torch = pytest.importorskip("torch")
    p, y = [0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 1.0, 0.0]
    value, grads = ours(losses.binary_cross_entropy, p, y)
    torch_value, _ = theirs(torch.nn.BCELoss(), p, y)
    assert value == torch_value == pytest.approx((100 + 100 + 0 + 0) / 4)
    assert all(math.isfinite(g) for g in grads)


def test_binary_cross_entropy_at_sigmoid_of_logits_plus_minus_1000():
    torch = pytest.importorskip("torch")
    for z, y in [(1000.0, 0.0), (-1000.0, 1.0), (1000.0, 1.0), (-1000.0, 0.0)]:
        logit = Value(z)
        out = losses.binary_cross_entropy(logit.sigmoid(), y)
        out.backward()
        t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        reference = torch.nn.BCELoss()(torch.sigmoid(t), torch.tensor(y, dtype=torch.float64))
        reference.backward()
        assert out.data == reference.item()
        assert logit.grad == t.grad.item() == 0.0  # sigmoid is flat there


@pytest.mark.parametrize(
    ("z", "y"),
    [
        ([0.0, 0.3, -2.0, 5.0], [1.0, 0.0, 1.0, 0.0]),
        ([-800.0, 800.0, 1000.0, -1000.0], [1.0, 0.0, 1.0, 0.0]),
        ([30.0, -30.0, 1e-9], [0.25, 0.5, 1.0]),
    ],
)
def test_bce_with_logits_equals_torch_bce_with_logits_loss(z, y):
    torch = pytest.importorskip("torch")
    assert_same(ours(losses.bce_with_logits, z, y), theirs(torch.nn.BCEWithLogitsLoss(), z, y))


def test_bce_with_logits_of_minus_800_and_target_1_is_800_with_gradient_minus_1():
    z = Value(-800.0)
    out = losses.bce_with_logits(z, 1.0)
    out.backward()
    assert out.data == 800.0
    assert z.grad == -1.0


def test_bce_with_logits_at_zero_has_gradient_sigmoid_minus_target():
    z = Value(0.0)
    out = losses.bce_with_logits(z, 1.0)
    out.backward()
    assert out.data == pytest.approx(math.log(2), abs=1e-15)
    assert z.grad == -0.5


@pytest.mark.parametrize(
    ("logits", "target"),
    [([1.0, 2.0, 0.5], 1), ([0.0, 0.0], 0), ([1000.0, 0.0], 1), ([-1000.0, 1000.0, 3.0], 0), ([5.0], 0)],
)
def test_cross_entropy_equals_torch_cross_entropy_loss(logits, target):
    torch = pytest.importorskip("torch")
    ours_result = ours(losses.cross_entropy, logits, target)
    x = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    out = torch.nn.CrossEntropyLoss()(x, torch.tensor(target))
    out.backward()
    assert_same(ours_result, (out.item(), x.grad.tolist()))


def test_cross_entropy_of_1000_0_with_target_1_is_1000_with_gradient_1_minus_1():
    value, grads = ours(losses.cross_entropy, [1000.0, 0.0], 1)
    assert value == 1000.0
    assert grads == [1.0, -1.0]


def test_cross_entropy_batch_is_the_mean_and_equals_torch():
    torch = pytest.importorskip("torch")
    rows = [[1.0, -2.0, 0.5], [1000.0, 0.0, -1000.0], [0.1, 0.2, 0.3]]
    targets = [2, 1, 0]
    values = [[Value(v) for v in row] for row in rows]
    out = losses.cross_entropy(values, targets)
    flat = [v for row in values for v in row]
    grads = engine.grad(out, flat)
    x = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    reference = torch.nn.CrossEntropyLoss()(x, torch.tensor(targets))
    reference.backward()
    assert close(out.data, reference.item())
    assert all(close(a, b) for a, b in zip(grads, x.grad.flatten().tolist()))


def test_cross_entropy_rejects_bad_targets():
    with pytest.raises(ValueError, match="out of range"):
        losses.cross_entropy([1.0, 2.0], 2)
    with pytest.raises(TypeError, match="class index"):
        losses.cross_entropy([1.0, 2.0], 1.0)


@pytest.mark.parametrize(
    ("score", "y"),
    [([0.3, -0.4, 2.0, -1000.0], [1.0, 1.0, -1.0, -1.0]), ([1000.0, -1000.0], [-1.0, 1.0])],
)
def test_hinge_equals_the_torch_hinge_relu_of_margin_minus_y_score(score, y):
    torch = pytest.importorskip("torch")

    def torch_hinge(s, t):
        return torch.relu(1.0 - t * s).mean()

    assert_same(ours(losses.hinge, score, y), theirs(torch_hinge, score, y))


def test_hinge_equals_torch_multi_margin_loss_for_two_classes():
    # MultiMarginLoss on scores (-s/2, s/2) with class (y + 1) / 2 is max(0, 1 - y·s) / 2.
    torch = pytest.importorskip("torch")
    for s, y in [(0.3, 1.0), (-0.4, 1.0), (2.0, -1.0), (0.1, -1.0)]:
        score = Value(s)
        out = losses.hinge(score, y)
        out.backward()
        x = torch.tensor([s], dtype=torch.float64, requires_grad=True)
        pair = torch.cat([-x / 2, x / 2]).unsqueeze(0)
        reference = torch.nn.MultiMarginLoss()(pair, torch.tensor([int((y + 1) / 2)])) * 2
        reference.backward()
        assert close(out.data, reference.item()) and close(score.grad, x.grad.item())


def test_hinge_margin_is_configurable():
    assert losses.hinge(Value(0.5), 1.0, margin=2.0).data == 1.5


def test_l2_is_the_sum_of_squares_with_gradient_2p():
    torch = pytest.importorskip("torch")
    values = [0.5, -1.5, 3.0]
    params = [Value(v) for v in values]
    out = losses.l2(params)
    out.backward()
    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    (x**2).sum().backward()
    assert out.data == 0.25 + 2.25 + 9.0
    assert [p.grad for p in params] == x.grad.tolist() == [1.0, -3.0, 6.0]


def test_l2_is_one_dot_node_whose_value_and_gradient_match_a_node_per_square():
    values = [0.3, -1.7, 2.9, 1e-3, -4.1]
    fused = [Value(v) for v in values]
    separate = [Value(v) for v in values]
    out = losses.l2(fused)
    reference = engine.sum([p * p for p in separate])
    out.backward()
    reference.backward()
    assert out.op == "dot" and len(out.children) == 2 * len(values)
    assert out.data == reference.data
    assert [p.grad for p in fused] == [p.grad for p in separate] == [2 * v for v in values]


def test_mismatched_lengths_name_both_counts():
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        losses.mse([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


def test_losses_are_differentiable_twice():
    z = Value(0.7)
    (first,) = engine.grad(losses.bce_with_logits(z, 1.0), [z], create_graph=True)
    (second,) = engine.grad(first, [z])
    s = 1 / (1 + math.exp(-0.7))
    assert close(first.data, s - 1.0) and close(second, s * (1 - s))


# --- softmax and cross_entropy's reduction (issue 20) -------------------------------------------------------------

SOFTMAX_ROWS = [[1.0, 2.0, 0.5], [0.0, 0.0], [1000.0, 0.0], [-1000.0, 1000.0, 3.0], [5.0], [-745.0, -746.0, -800.0]]


@pytest.mark.parametrize("row", SOFTMAX_ROWS)
def test_softmax_values_and_jacobian_equal_torch_softmax_even_for_huge_logits(row):
    torch = pytest.importorskip("torch")
    import nn

    xs = [Value(v) for v in row]
    probabilities = nn.softmax(xs)
    x = torch.tensor(row, dtype=torch.float64, requires_grad=True)
    reference = torch.softmax(x, dim=0)
    assert all(close(p.data, r) for p, r in zip(probabilities, reference.tolist()))
    for index in range(len(row)):  # one row of the Jacobian per output
        (expected,) = torch.autograd.grad(reference[index], x, retain_graph=True)
        assert all(close(a, b) for a, b in zip(engine.grad(probabilities[index], xs), expected.tolist()))


def test_softmax_of_one_thousand_and_zero_is_one_and_zero_without_overflow():
    import nn

    assert [p.data for p in nn.softmax([1000.0, 0.0])] == [1.0, 0.0]
    with pytest.raises(ValueError, match="softmax: logits is empty"):
        nn.softmax([])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_reduction_equals_torch(reduction):
    torch = pytest.importorskip("torch")
    rows = [[1.0, -2.0, 0.5], [1000.0, 0.0, -1000.0], [0.1, 0.2, 0.3]]
    targets = [2, 1, 0]
    values = [[Value(v) for v in row] for row in rows]
    flat = [v for row in values for v in row]
    out = losses.cross_entropy(values, targets, reduction=reduction)
    x = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    reference = torch.nn.functional.cross_entropy(x, torch.tensor(targets), reduction=reduction)
    if reduction == "none":
        assert len(out) == 3 and all(close(o.data, r) for o, r in zip(out, reference.tolist()))
        out, reference = engine.sum([o * (i + 1) for i, o in enumerate(out)]), (reference * torch.arange(1, 4)).sum()
    assert close(out.data, reference.item())
    reference.backward()
    assert all(close(a, b) for a, b in zip(engine.grad(out, flat), x.grad.flatten().tolist()))


def test_cross_entropy_refuses_an_unknown_reduction_naming_the_choices():
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum', 'none'\), got 'average'"):
        losses.cross_entropy([1.0, 2.0], 0, reduction="average")
