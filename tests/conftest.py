"""Shared pytest configuration.

Hypothesis profiles (the default profile is untouched; pick one with ``--hypothesis-profile``):

* ``thorough``: 1,000 examples per property test, random (not derandomized) search, for a long
  hunt on demand (11 families of random programs: 11,000 programs when none fails)::

      pytest --hypothesis-profile=thorough tests/differential

  (``python -m tests.differential --count 10000 --jobs 2`` runs the programs without stopping at a
  family's first failure and tallies every outcome.)
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
