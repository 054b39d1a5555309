"""MLP.scalar and MLP.vector: the typed ways to call a model, equal to calling it."""

import pytest

from nn import MLP


def test_scalar_is_the_value_that_calling_a_one_output_model_returns():
    model = MLP(2, [4, 1], seed=0)
    assert model.scalar([0.5, -1.0]).data == model([0.5, -1.0]).data


def test_vector_is_the_list_that_calling_a_many_output_model_returns():
    model = MLP(2, [4, 3], seed=0)
    assert [v.data for v in model.vector([0.5, -1.0])] == [v.data for v in model([0.5, -1.0])]


def test_vector_of_a_one_output_model_is_a_list_of_one_value():
    model = MLP(2, [4, 1], seed=0)
    outputs = model.vector([0.5, -1.0])
    assert isinstance(outputs, list) and len(outputs) == 1
    assert outputs[0].data == model([0.5, -1.0]).data


def test_scalar_of_a_many_output_model_names_vector_as_the_fix():
    with pytest.raises(TypeError, match=r"model\.vector\(x\)"):
        MLP(2, [4, 3], seed=0).scalar([0.5, -1.0])


def test_scalar_checks_the_input_length_like_calling_the_model():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        MLP(2, [4, 1], seed=0).scalar([1.0, 2.0, 3.0])
