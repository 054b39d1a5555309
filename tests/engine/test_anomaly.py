"""detect_anomaly(): the first non-finite value, local derivative or gradient names its op, inputs and line."""

import math
import sys
import threading

import pytest

from engine import AnomalyError, Value, detect_anomaly


def test_log_of_zero_is_reported_at_log_with_this_files_line():
    with pytest.raises(AnomalyError) as raised, detect_anomaly():
        line = sys._getframe().f_lineno + 1
        Value(0.0).log() * 0.0
    message = str(raised.value)
    assert message.startswith("log produced -inf")
    assert "Value(data=0.0" in message
    assert message.endswith(f"built at {__file__}:{line}")


def test_non_finite_local_derivative_is_reported():
    # sqrt(0) = 0 is finite, but its derivative 1 / (2 sqrt 0) is inf.
    with pytest.raises(AnomalyError, match=r"sqrt: local derivative with respect to input 0 is inf"), detect_anomaly():
        Value(0.0).sqrt()


def test_gradient_overflow_in_backward_is_reported_at_the_op():
    x = Value(1e-200)
    with detect_anomaly():
        y = x * 1e200  # value 1 and local derivative 1e200: both finite
        with pytest.raises(AnomalyError, match=r"backward through \*: gradient to input 0 is inf"):
            y.backward(gradient=1e200)  # 1e200 * 1e200 overflows


def test_nan_input_is_reported_at_the_first_op_that_uses_it():
    with pytest.raises(AnomalyError, match=r"^tanh produced nan"), detect_anomaly():
        a = Value(1.0) * 2
        b = Value(math.nan).tanh()
        a + b


def test_without_detect_anomaly_the_ieee_result_is_returned():
    assert Value(0.0).log().data == -math.inf
    assert math.isnan((Value(0.0).log() * 0.0).data)


def test_anomaly_mode_is_off_again_after_the_block_and_per_thread():
    with detect_anomaly():
        caught = []
        worker = threading.Thread(target=lambda: caught.append(Value(0.0).log().data))
        worker.start()
        worker.join()
        assert caught == [-math.inf]  # another thread is not in anomaly mode
    assert Value(0.0).log().data == -math.inf
