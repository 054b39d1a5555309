"""Runnable demos: ``python -m demos.NAME``, or ``chainrule-demo NAME`` once ``chainrule[demos]`` is installed."""
