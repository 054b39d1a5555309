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


# --- skipping parameters with no gradient (issue 16 item 13, issue 17) --------------------------------------------

# Which of the two parameters gets a gradient at each step: both, then only the first, then both again, ...
GETS_GRADIENT = [(True, True), (True, False), (False, True), (True, True), (True, False), (True, True)]


def _gradient(step, index):
    return math.cos(0.9 * step + 2 * index) * (index + 1.5)


@pytest.mark.parametrize(("name", "options"), CASES, ids=[f"{n}-{sorted(o)}" for n, o in CASES])
def test_a_parameter_without_a_gradient_this_step_is_skipped_exactly_as_torch_skips_a_none_grad(name, options):
    torch = pytest.importorskip("torch")
    ours = [Value(0.5), Value(-1.25)]
    theirs = [torch.tensor(v.data, dtype=torch.float64, requires_grad=True) for v in ours]
    optimizer = {"SGD": SGD, "Adam": Adam, "AdamW": AdamW}[name](ours, **options)
    reference = getattr(torch.optim, name)(theirs, **options)
    for step, gets in enumerate(GETS_GRADIENT):
        optimizer.zero_grad(set_to_none=True)
        reference.zero_grad()  # torch's default: set_to_none=True
        for index, has_gradient in enumerate(gets):
            if has_gradient:
                ours[index].grad = _gradient(step, index)
                theirs[index].grad = torch.tensor(_gradient(step, index), dtype=torch.float64)
        optimizer.step()
        reference.step()
        got, expected = [p.data for p in ours], [t.item() for t in theirs]
        assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(got, expected)), (step, got)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
        lambda ps: AdamW(ps, lr=0.1),
    ],
)
def test_a_frozen_parameter_is_never_moved_even_with_a_gradient_or_weight_decay(make):
    frozen, trained = Value(0.75), Value(0.75)
    frozen.requires_grad = False
    optimizer = make([frozen, trained])
    for _ in range(3):
        frozen.grad = trained.grad = 0.5
        optimizer.step()
    assert frozen.data == 0.75
    assert trained.data != 0.75


def test_module_zero_grad_set_to_none_leaves_no_gradient_and_the_default_leaves_zero():
    from nn import MLP

    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0]).backward()
    model.zero_grad(set_to_none=True)
    assert all(p.grad is None for p in model.parameters())
    model([1.0, 2.0]).backward()  # None counts as "no gradient yet"
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 and type(p.grad) is float for p in model.parameters())


# --- learning-rate schedules are checked (item 14) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "error"),
    [(-0.1, ValueError), (math.nan, ValueError), (math.inf, ValueError), ("0.1", TypeError), (True, TypeError)],
)
def test_every_rate_a_schedule_returns_is_checked_like_a_constant_rate(rate, error):
    p = Value(1.0)
    p.grad = 1.0
    optimizer = SGD([p], lr=lambda t: 0.5 if t == 0 else rate)
    optimizer.step()
    with pytest.raises(error, match=r"lr\(1\)"):
        optimizer.step()
    assert p.data == 0.5  # the refused step moved nothing


def test_a_decaying_schedule_that_goes_negative_is_refused_at_the_step_where_it_does():
    p = Value(1.0)
    optimizer = SGD([p], lr=lambda t: 0.5 - 0.4 * t / 100)  # negative from t = 126
    for _ in range(125):
        p.grad = 0.0
        optimizer.step()
    p.grad = 0.0
    optimizer.step()  # t = 125: exactly 0.0, allowed
    with pytest.raises(ValueError, match=r"lr\(126\)"):
        optimizer.step()


# --- duplicates and eps = 0 (items 15, 16) -------------------------------------------------------------------------


def test_the_same_parameter_twice_warns_naming_both_positions():
    p, q = Value(1.0), Value(2.0)
    with pytest.warns(UserWarning, match="same parameter at positions 0 and 2"):
        SGD([p, q, p], lr=0.1)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_with_eps_0_and_a_zero_gradient_gives_nan_as_torch_does(name):
    torch = pytest.importorskip("torch")
    ours = Value(1.0)
    theirs = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    optimizer = {"Adam": Adam, "AdamW": AdamW}[name]([ours], lr=0.1, eps=0.0)
    reference = getattr(torch.optim, name)([theirs], lr=0.1, eps=0.0)
    ours.grad, theirs.grad = 0.0, torch.tensor(0.0, dtype=torch.float64)
    optimizer.step()
    reference.step()
    assert math.isnan(theirs.item())
    assert math.isnan(ours.data)


# --- optimizer state: save, stop, load, continue (item 19) ---------------------------------------------------------


RESUMABLE = [
    lambda ps: SGD(ps, lr=lambda t: 0.2 - 0.001 * t, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda ps: Adam(ps, lr=0.02, betas=(0.8, 0.99), weight_decay=1e-3),
    lambda ps: AdamW(ps, lr=lambda t: 0.02 / (1 + t)),
]


def _train(model, optimizer, points, start, stop):
    """Steps start..stop-1 of a run: step k always sees the same batch of 4 points."""
    from nn.losses import hinge

    for step in range(start, stop):
        batch = points[(4 * step) % len(points) :][:4]
        loss = hinge([model(x) for x, _ in batch], [y for _, y in batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


@pytest.mark.parametrize("make", RESUMABLE, ids=["SGD-nesterov-schedule", "Adam", "AdamW-schedule"])
def test_save_stop_load_continue_equals_an_uninterrupted_run_bit_for_bit(make, tmp_path):
    from nn import MLP, data
    from nn.serialization import read_json, write_json

    points = data.moons(24, seed=5, shuffle=True)
    uninterrupted = MLP(2, [6, 1], seed=3)
    _train(uninterrupted, make(uninterrupted.parameters()), points, 0, 10)

    first = MLP(2, [6, 1], seed=3)
    optimizer = make(first.parameters())
    _train(first, optimizer, points, 0, 4)
    first.save(tmp_path / "model.json")
    write_json(tmp_path / "optimizer.json", optimizer.state_dict())
    del first, optimizer

    resumed = MLP.load(tmp_path / "model.json")
    optimizer = make(resumed.parameters())
    optimizer.load_state_dict(read_json(tmp_path / "optimizer.json"))
    assert optimizer.steps == 4
    _train(resumed, optimizer, points, 4, 10)
    expected = {name: value.hex() for name, value in uninterrupted.state_dict().items()}
    assert {name: value.hex() for name, value in resumed.state_dict().items()} == expected


def test_a_resumed_run_without_the_optimizer_state_differs(tmp_path):
    # the check above can fail: dropping the moments changes the result
    from nn import MLP, data

    points = data.moons(24, seed=5, shuffle=True)
    a, b = MLP(2, [6, 1], seed=3), MLP(2, [6, 1], seed=3)
    optimizer_a = Adam(a.parameters(), lr=0.02)
    _train(a, optimizer_a, points, 0, 8)
    _train(b, Adam(b.parameters(), lr=0.02), points, 0, 4)
    _train(b, Adam(b.parameters(), lr=0.02), points, 4, 8)  # moments and step counts lost
    assert a.state_dict() != b.state_dict()


def test_optimizer_state_dict_is_plain_json():
    import json

    p = Value(1.0)
    optimizer = Adam([p], lr=0.1)
    p.grad = 0.5
    optimizer.step()
    state = optimizer.state_dict()
    assert json.loads(json.dumps(state)) == state


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda s: s.update({"class": "SGD"}), ValueError, "for 'SGD', not Adam"),
        (lambda s: s.update({"parameters": 3}), ValueError, r"\['parameters'\] is 3"),
        (lambda s: s["state"]["first_moments"].pop(), ValueError, r"\['first_moments'\] must be a list of 2"),
        (lambda s: s["state"]["second_moments"].__setitem__(1, "x"), TypeError, r"\['second_moments'\]\[1\]"),
        (lambda s: s["state"]["updates"].__setitem__(0, -1), TypeError, r"\['updates'\]\[0\]"),
        (lambda s: s["options"].update({"eps": -1.0}), ValueError, r"\['options'\]\['eps'\]"),
        (lambda s: s.update({"steps": 1.5}), TypeError, r"\['steps'\]"),
    ],
)
def test_a_bad_optimizer_state_dict_names_the_entry_and_changes_nothing(change, error, message):
    params = [Value(1.0), Value(2.0)]
    optimizer = Adam(params, lr=0.1)
    for p in params:
        p.grad = 0.5
    optimizer.step()
    state = optimizer.state_dict()
    before = optimizer.state_dict()
    change(state)
    with pytest.raises(error, match=message):
        optimizer.load_state_dict(state)
    assert optimizer.state_dict() == before
