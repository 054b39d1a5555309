"""Reliability tests: reduced counts by default (CI), full counts with ``CHAINRULE_FULL=1``.

pytest tests/reliability                       # reduced counts, about two minutes on a slow 2-core machine
CHAINRULE_FULL=1 pytest tests/reliability      # the issue's full figures (5,000 soak steps, ...)
pytest tests/reliability -m "not slow"         # only the quick ones
"""


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running reliability test (reduced counts unless CHAINRULE_FULL=1)")
