"""Hypothesis profiles, chosen by ``HYPOTHESIS_PROFILE``: ``dev`` (default, quick), ``ci``, ``intense``.

    HYPOTHESIS_PROFILE=ci pytest            # what CI runs: a few minutes on a slow 2-core machine
    HYPOTHESIS_PROFILE=intense pytest tests/engine -k "properties or state_machine"   # >= 2,000 examples each

Deadlines are off everywhere: a shared, slow machine makes timings noise, not a signal. Health checks stay on.
The intense profile keeps its failing examples in a database of its own (``.hypothesis/intense``), so that a
failure it finds is replayed by the next intense run, never by the quick default profile or ``tests/mutants.py``.
"""

import os

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("ci", max_examples=200, deadline=None, print_blob=True)
settings.register_profile(
    "intense",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    database=DirectoryBasedExampleDatabase(os.path.join(".hypothesis", "intense")),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
