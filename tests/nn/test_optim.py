"""Optimizers: 20 steps on identical gradients equal torch.optim to 1e-12; schedules; zero_grad; bad options."""

import math

import pytest

from engine import Value
from nn import SGD, Adam, AdamW

START = [0.5, -1.25, 2.0, 0.0, -0.75]
STEPS = 20


def gradients(step):
    """The gradient fed to both sides at a step: fixed numbers, varied in sign and size."""
    return [math.sin(1.7 * step + i) * (i + 1) for i in range(len(START))]


def run_ours(make, **options):
    params = [Value(v) for v in START]
    optimizer = make(params, **options)
    for step in range(STEPS):
        for p, g in zip(params, gradients(step)):
            p.grad = g
        optimizer.step()
    return [p.data for p in params]


def run_torch(make, **options):
    torch = pytest.importorskip("torch")
    x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = make([x], **options)
    for step in range(STEPS):
        x.grad = torch.tensor(gradients(step), dtype=torch.float64)
        optimizer.step()
    return x.detach().tolist()


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.05, betas=(0.85, 0.995), weight_decay=0.3)),
]


@pytest.mark.parametrize(("name", "options"), CASES, ids=[f"{n}-{sorted(o)}" for n, o in CASES])
def test_twenty_steps_equal_torch_optim_to_1e_12(name, options):
    torch = pytest.importorskip("torch")
    ours = run_ours({"SGD": SGD, "Adam": Adam, "AdamW": AdamW}[name], **options)
    theirs = run_torch(getattr(torch.optim, name), **options)
    assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(ours, theirs)), (ours, theirs)
    assert ours != START


def test_plain_sgd_step_is_p_minus_lr_times_grad():
    p = Value(1.0)
    p.grad = 0.5
    SGD([p], lr=0.2).step()
    assert p.data == 1.0 - 0.2 * 0.5


def test_first_adam_step_moves_each_weight_by_about_lr_against_its_gradient_sign():
    # With bias correction, step 1 is lr · g / (|g| + eps).
    params = [Value(1.0), Value(1.0)]
    params[0].grad, params[1].grad = 3.0, -0.001
    Adam(params, lr=0.1).step()
    assert params[0].data == pytest.approx(0.9, abs=1e-8)
    assert params[1].data == pytest.approx(1.1, abs=1e-6)


def test_a_learning_rate_schedule_is_called_with_the_step_number():
    seen = []

    def schedule(t):
        seen.append(t)
        return 1.0 - 0.9 * t / 100  # micrograd's moons schedule

    p = Value(0.0)
    optimizer = SGD([p], lr=schedule)
    expected = 0.0
    for t in range(3):
        p.grad = 1.0
        optimizer.step()
        expected -= 1.0 - 0.9 * t / 100
    assert seen == [0, 1, 2]
    assert p.data == pytest.approx(expected, abs=1e-15)
    assert optimizer.current_lr() == 1.0 - 0.9 * 3 / 100


def test_a_schedule_equals_torch_lambda_lr_for_adam():
    torch = pytest.importorskip("torch")

    def schedule(t):
        return 0.1 / (1 + t)

    ours = run_ours(Adam, lr=schedule)
    x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([x], lr=1.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    for step in range(STEPS):
        x.grad = torch.tensor(gradients(step), dtype=torch.float64)
        optimizer.step()
        scheduler.step()
    assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(ours, x.detach().tolist()))


def test_zero_grad_resets_the_optimizers_parameters():
    params = [Value(1.0), Value(2.0)]
    for p in params:
        p.grad = 3.0
    SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_training_a_model_reduces_its_loss():
    from nn import MLP, losses

    model = MLP(1, [8, 1], activation="tanh", seed=0)
    xs = [[-1.0], [-0.5], [0.0], [0.5], [1.0]]
    ys = [1.0, 0.25, 0.0, 0.25, 1.0]
    optimizer = Adam(model.parameters(), lr=0.05)
    first = None
    for _ in range(60):
        loss = losses.mse([model(x) for x in xs], ys)
        first = loss.data if first is None else first
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.data < first / 10


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: SGD(p, lr=-1.0), ValueError, "lr"),
        (lambda p: SGD(p, lr="0.1"), TypeError, "lr"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), ValueError, "nesterov"),
        (lambda p: SGD(p, lr=0.1, momentum=-0.5), ValueError, "momentum"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), ValueError, r"betas\[1\]"),
        (lambda p: Adam(p, betas=0.9), TypeError, "betas"),
        (lambda p: SGD([], lr=0.1), ValueError, "empty"),
        (lambda p: SGD([1.0], lr=0.1), TypeError, "Values"),
    ],
)
def test_bad_options_raise_naming_the_option(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0)])
