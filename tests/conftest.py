"""Shared pytest configuration.

Hypothesis profiles (the default profile is untouched; pick one with ``--hypothesis-profile``):

* ``thorough``: thousands of examples per property test, random (not derandomized) search, for a
  long hunt on demand::

      pytest --hypothesis-profile=thorough tests/test_differential.py
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
