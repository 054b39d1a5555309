"""The yin-yang demo: 3 classes generated in code, the digits demo's split / early stopping / reload discipline."""

import pytest

from demos import yinyang
from tests.demos import _multiclass_checks as checks


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    return checks.quick_run(yinyang, tmp_path_factory)


def test_quick_run_splits_300_points_into_disjoint_180_60_60(quick):
    _, result = quick
    checks.check_quick_split(result, yinyang.QUICK_POINTS)


def test_quick_run_computes_gradients_on_training_points_only(quick):
    _, result = quick
    checks.check_gradients_on_training_only(result)


def test_quick_run_reloaded_model_predicts_exactly_as_the_trained_one(quick):
    out, result = quick
    checks.check_reloaded_model(out, result, yinyang)


def test_quick_run_learns_and_writes_the_pictures(quick):
    out, result = quick
    pictures = ["yinyang_regions.png", "yinyang_losses.png", "yinyang_confusion.png"]
    checks.check_learned_and_drew(out, result, yinyang, pictures)
    assert (out / "yinyang_model.json").exists()


def test_command_line_with_compile_python_prints_the_split_and_the_reloaded_test_accuracy(tmp_path):
    stdout = checks.run_command_line(["demos.yinyang", "--quick", "--compile", "python"], tmp_path)
    checks.check_printed(stdout, "300 points: 180 training, 60 validation, 60 test", "compiled (python)")


def test_eager_and_compile_are_alternatives_on_the_command_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        yinyang.main(["--quick", "--eager", "--compile", "numpy", "--out", str(tmp_path)])
    assert "not allowed with argument" in capsys.readouterr().err
