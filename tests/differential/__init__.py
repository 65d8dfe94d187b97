"""Differential testing: random NumPy programs, differentiated by source mode, the tape, auto mode
and finite differences.

* ``generator.py`` writes a random program AS SOURCE TEXT (a module with ``f``, a ``margins``
  function giving the distance of every kink from its input, and maybe a second generated module
  of helpers that ``f`` calls), from a ``Chooser`` of random decisions: hypothesis in the tests, a
  seeded ``random.Random`` in the long runner.
* ``oracle.py`` judges one program: source, tape and auto mode agree with finite differences, or
  source mode declines with a ``sourcegrad.TransformError`` that gives a reason and auto mode (the
  tape then) agrees. Any other exception, in any mode, is a failure, and so is a wrong gradient.
* ``test_programs.py``: the CI sample (derandomized: the same programs every run), one hypothesis
  test per family of constructs; ``test_regressions.py``: bugs the generator found, pinned.
* ``python -m tests.differential --count 10000 --jobs 2``: the long run, which does not stop at
  the first failure and tallies every outcome, with the smallest program of each kind of failure.
  ``pytest --hypothesis-profile=thorough tests/differential`` runs 1,000 programs per family
  (over 10,000 in all) and stops each family at its first failure, shrunk to a small program.
"""
