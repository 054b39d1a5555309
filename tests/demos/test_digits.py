"""The digits demo: scikit-learn's 8×8 digits, a seeded train / validation / test split, early stopping, reload."""

import math
import sys

import pytest

pytest.importorskip("sklearn")

from demos import _multiclass as multiclass  # noqa: E402
from demos import digits  # noqa: E402
from nn import MLP  # noqa: E402
from tests.demos import _multiclass_checks as checks  # noqa: E402


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    return checks.quick_run(digits, tmp_path_factory)


def test_quick_run_splits_300_images_into_disjoint_180_60_60(quick):
    _, result = quick
    checks.check_quick_split(result, digits.QUICK_IMAGES)


def test_quick_run_computes_gradients_on_training_images_only(quick):
    _, result = quick
    checks.check_gradients_on_training_only(result)


def test_quick_run_reloaded_model_predicts_exactly_as_the_trained_one(quick):
    out, result = quick
    checks.check_reloaded_model(out, result, digits)


def test_quick_run_learns_and_writes_the_pictures(quick):
    out, result = quick
    pictures = ["digits_losses.png", "digits_confusion.png", "digits_misclassified.png"]
    checks.check_learned_and_drew(out, result, digits, pictures)
    assert result["test_accuracy"] > 0.5  # 3 epochs on 180 images; chance is 10 %
    assert result["backend"] == "numpy"


def test_command_line_prints_the_split_and_the_reloaded_test_accuracy(tmp_path):
    stdout = checks.run_command_line(["demos.digits", "--quick", "--eager"], tmp_path)
    checks.check_printed(stdout, "300 images: 180 training, 60 validation, 60 test", "eager")


def test_compiled_and_eager_training_give_the_same_losses_and_weights():
    examples = digits.load(100)
    train, val, _ = multiclass.split(len(examples), (0.2, 0.2), seed=1)
    results = []
    for backend in (None, "python", "numpy"):
        model = MLP(64, [8, 10], activation="tanh", init="xavier", seed=3)
        run = multiclass.train(
            model,
            examples,
            train,
            val,
            classes=10,
            epochs=2,
            batch_size=16,
            lr=0.01,
            patience=5,
            seed=4,
            backend=backend,
            quiet=True,
        )
        results.append((run, [p.data for p in model.parameters()]))
    (eager, eager_weights), *compiled = results
    for run, weights in compiled:
        assert all(
            math.isclose(a, b, abs_tol=1e-12)
            for a, b in zip(run.train_losses + run.val_losses, eager.train_losses + eager.val_losses)
        )
        assert all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(weights, eager_weights))


def test_early_stopping_stops_after_patience_epochs_and_keeps_the_best_weights():
    examples = digits.load(100)
    train, val, _ = multiclass.split(len(examples), (0.3, 0.0), seed=0)
    model = MLP(64, [8, 10], activation="tanh", init="xavier", seed=0)
    # lr 0.5 overshoots: the validation loss soon stops improving
    run = multiclass.train(
        model,
        examples,
        train,
        val,
        classes=10,
        epochs=50,
        batch_size=70,
        lr=0.5,
        patience=2,
        seed=0,
        backend="numpy",
        quiet=True,
    )
    assert run.stopped_early
    assert len(run.val_losses) == run.best_epoch + 2
    assert run.val_losses[run.best_epoch - 1] == min(run.val_losses)
    loss_now = multiclass.loss_function(model, 10, None)([examples[i] for i in val], False)
    assert math.isclose(loss_now, min(run.val_losses), abs_tol=1e-12)


def test_split_is_seeded_disjoint_and_complete():
    first = multiclass.split(1797, digits.FRACTIONS, digits.SEED)
    assert first == multiclass.split(1797, digits.FRACTIONS, digits.SEED)
    assert first != multiclass.split(1797, digits.FRACTIONS, digits.SEED + 1)
    train, val, test = first
    assert (len(train), len(val), len(test)) == (1079, 359, 359)
    assert sorted(train + val + test) == list(range(1797))


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    assert multiclass.confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3) == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]


def test_load_scales_pixels_to_the_unit_interval():
    examples = digits.load()
    assert len(examples) == 1797
    pixels = [p for x, _ in examples for p in x]
    assert min(pixels) == 0.0 and max(pixels) == 1.0
    assert {y for _, y in examples} == set(range(10)) and all(len(x) == 64 for x, _ in examples)


def test_missing_scikit_learn_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[digits\]'"):
        digits.load()


def test_full_run_reaches_95_percent_test_accuracy_from_the_reloaded_model(tmp_path):
    # the acceptance criterion of issue 20: the held-out test set, scored by the model read back from JSON
    result = digits.main(["--out", str(tmp_path)])
    assert result["test_accuracy"] >= 0.95
    assert result["reloaded_predictions"] == result["predictions"]
    train, val, test = result["splits"]
    assert (len(train), len(val), len(test)) == (1079, 359, 359) and result["run"].seen == set(train)
