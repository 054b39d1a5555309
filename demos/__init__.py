"""Runnable demos: ``python -m demos.NAME`` (each takes ``--quick``)."""
