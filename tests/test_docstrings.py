"""Every public name has a docstring: what ``help()`` and the API reference show."""

import inspect

import pytest

import engine
import nn
from engine import Value

# The operators and conversions a user reaches through syntax (``x + y``, ``x < y``, ``float(x)``); their
# docstrings are the reference for what the syntax does.
OPERATORS = [
    "__add__",
    "__radd__",
    "__sub__",
    "__rsub__",
    "__mul__",
    "__rmul__",
    "__truediv__",
    "__rtruediv__",
    "__pow__",
    "__rpow__",
    "__neg__",
    "__pos__",
    "__abs__",
    "__mod__",
    "__rmod__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__bool__",
    "__float__",
    "__int__",
    "__round__",
    "__format__",
    "__repr__",
]


def _public_names():
    for module in (engine, nn):
        for name in module.__all__:
            yield f"{module.__name__}.{name}", getattr(module, name)


def _public_members(cls):
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, (classmethod, staticmethod)):
            member = member.__func__
        if inspect.isfunction(member) or isinstance(member, property):
            yield name, member


def _documented(obj) -> bool:
    return bool((getattr(obj, "__doc__", None) or "").strip())


@pytest.mark.parametrize(("name", "obj"), list(_public_names()), ids=lambda item: item if isinstance(item, str) else "")
def test_every_public_name_has_a_docstring(name, obj):
    assert _documented(obj), f"{name} has no docstring"


def test_every_public_method_of_every_public_class_has_a_docstring():
    missing = [
        f"{qualified}.{member_name}"
        for qualified, obj in _public_names()
        if inspect.isclass(obj)
        for member_name, member in _public_members(obj)
        if not _documented(member)
    ]
    assert missing == []


@pytest.mark.parametrize("name", OPERATORS)
def test_every_operator_of_value_has_a_docstring(name):
    assert _documented(vars(Value)[name]), f"Value.{name} has no docstring"


@pytest.mark.parametrize("name", ["tanh", "sin", "cos", "exp", "log", "relu", "sigmoid"])
def test_the_elementary_functions_are_documented_as_method_and_function(name):
    assert _documented(getattr(Value, name)) and _documented(getattr(engine, name))


def test_help_of_engine_starts_with_a_usage_example():
    lines = (engine.__doc__ or "").strip().splitlines()
    assert ">>> from engine import Value" in lines[:8]


def test_the_usage_example_of_engine_runs_as_written():
    import doctest

    finder_results = doctest.DocTestFinder(recurse=False).find(engine, "engine", globs={})
    runner = doctest.DocTestRunner()
    for test in finder_results:
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.attempted >= 5 and results.failed == 0
