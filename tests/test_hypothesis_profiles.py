"""The Hypothesis profiles of tests/conftest.py: what a failing example found by one profile does to the others."""

import os

from hypothesis import settings


def test_an_example_the_intense_profile_saves_is_not_replayed_by_the_dev_or_ci_profile():
    # issue 16 item 32: an intense run's failure, saved, must not break the quick default run or tests/mutants.py
    key, example = b"chainrule-profile-test-" + os.urandom(8), b"a failing example"
    intense = settings.get_profile("intense").database
    assert intense is not None
    intense.save(key, example)
    try:
        assert list(intense.fetch(key)) == [example]
        for name in ("dev", "ci"):
            database = settings.get_profile(name).database  # None where Hypothesis keeps no examples (on CI)
            assert database is None or list(database.fetch(key)) == [], name
    finally:
        intense.delete(key, example)
