"""The CI sample of random programs: one hypothesis test per family (see generator.py), judged by
the oracle (oracle.py): source, tape and auto mode agree with finite differences, or source mode
declines with a TransformError and a reason while the tape and auto mode agree.

CI runs a derandomized sample (the same programs every run, about 1,300 in all, programs of 1 to 30
statements). ``pytest --hypothesis-profile=thorough tests/differential`` runs 1,000 random programs
per family (13,000 in all), each family stopping at its first failure, shrunk to a small program;
``python -m tests.differential --count 10000`` runs them all and tallies every failure.
"""

import collections
import re
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from .generator import FAMILIES, KINK_MARGIN, MAX_LENGTH, HypothesisChooser, Program, RandomChooser, build_program
from .oracle import _copies, _min_margin, judge, load_program, unload

# The "thorough" profile (tests/conftest.py) asks for 1,000 examples per test and a random search;
# otherwise each test runs its fixed CI count, derandomized so that CI is deterministic.
THOROUGH = settings.default.max_examples >= 1000

CI_EXAMPLES = {"core": 200, "scalar": 60, "batched": 120, "float32": 100, "containers": 80, "inplace": 80,
               "views": 80, "aliases": 60, "comprehensions": 60, "modules": 80, "effects": 50,
               "branches": 150, "loops": 150}


def _settings(family):
    # CI does not shrink a failing program (shrinking a 30-statement program costs minutes): the
    # failure shows the program as generated; the thorough profile shrinks, and
    # `python -m tests.differential` keeps the smallest program of each kind of failure.
    return settings(
        max_examples=settings.default.max_examples if THOROUGH else CI_EXAMPLES[family],
        deadline=None,
        derandomize=not THOROUGH,
        phases=tuple(Phase) if THOROUGH else (Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


@st.composite
def programs(draw, family):
    return build_program(HypothesisChooser(draw), family)


@pytest.fixture(scope="module")
def program_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("differential")


def check(program, folder):
    outcome = judge(program, folder)
    assume(outcome.status != "discarded")          # too close to a kink: not judged
    if outcome.status == "fail":
        pytest.fail("\n".join(outcome.kinds) + "\n\n" + outcome.describe(), pytrace=False)
    return outcome


def _family_test(family):
    @_settings(family)
    @given(program=programs(family))
    def test(program, program_dir):
        check(program, program_dir)

    test.__name__ = f"test_random_{family}_programs"
    test.__doc__ = f"Random programs of the {family!r} family: every mode right, or source declines and auto is right."
    return test


for _family in FAMILIES:
    globals()[f"test_random_{_family}_programs"] = _family_test(_family)
del _family


# ---------------------------------------------------------------- the generator itself


def _sample(family, n=150, seed="shape"):
    return [build_program(RandomChooser(f"{seed}:{family}:{i}"), family) for i in range(n)]


def test_no_program_is_empty_and_long_ones_are_common():
    lengths = [p.size for family in FAMILIES for p in _sample(family, 60)]
    assert min(lengths) >= 1
    assert max(lengths) <= MAX_LENGTH + 12                 # block constructs may overshoot a little
    assert sum(n >= 20 for n in lengths) >= len(lengths) // 4
    assert sorted(lengths)[len(lengths) // 2] >= 10        # median


def test_the_sample_covers_shapes_dtypes_and_input_ranges():
    programs = [p for family in FAMILIES for p in _sample(family, 40)]
    shapes = collections.Counter(len(shape) for p in programs for _, shape, _ in p.params)
    assert shapes[0] and shapes[1] and shapes[2] and shapes[3] > 20      # 3-D (batched) arrays too
    assert {p.dtype for p in programs} == {"float32", "float64"}
    assert {p.scale for p in programs} == {1.5, 3.0, 5.0}
    assert any(low is not None for p in programs for _, _, low in p.params)   # positive inputs for log, sqrt
    inputs = np.concatenate([np.ravel(a) for p in programs if p.scale == 5.0 for a in p.inputs()])
    assert inputs.min() < -4 and inputs.max() > 4
    float32 = [a for p in programs if p.dtype == "float32" for a in p.inputs() if isinstance(a, np.ndarray)]
    assert float32 and all(a.dtype == np.float32 for a in float32)


CONSTRUCTS = {
    "batched": [r"np\.einsum\(", r"@|np\.matmul\(", r"axis=\(\d, \d\)", r"np\.swapaxes\(|\.swapaxes\("],
    "containers": [r"\.append\(", r"\.extend\(", r"np\.stack\(parts", r"np\.concatenate\(parts", r"sum\(parts",
                   r"parts\d+\[-1\]", r"d\d+ = \{", r"d\d+\['w'\] = ", r"dict\(w="],
    "inplace": [r"y\d+\[[^\]]+\] = ", r"y\d+\[[^\]]+\] \+= ", r"y\d+\[[^\]]+\] \*= ", r"= np\.zeros\(",
                r"\.copy\(\)", r"c\d+\[0\] = 2\.5", r"c\d+ \+= 1\.0"],
    "views": [r"np\.squeeze\(|\.squeeze\(\)", r"\.reshape\(", r"\.T\b", r"w\d+ = y\d+\[", r"w\d+ \*= 2\.0",
              r"w\d+ \+= ", r"w\d+\[0\] = ", r"y\d+ \+= ", r"y\d+\[0\] = "],
    "aliases": [r"xp\d+ = np$", r"import numpy as xp\d+", r"act\d+ = np\.tanh", r"act\d+ = np\.sin",
                r"xp\d+\.sum\(", r"la\d+ = np\.linalg", r"act\d+ = helper_scale"],
    "comprehensions": [r"sum\(u\d+ \*\* 2 for u\d+ in ", r"\[np\.sin\(u\d+\)", r"for i\d+ in range\(",
                       r"np\.stack\(\[", r"\{i\d+: "],
    "modules": [r"hm\.h\d\(", r"^from __sg_helper_module__ import", r"fn\d+ = (hm\.)?h\d"],
    "effects": [r"np\.add\.at\(", r"out=buf", r"np\.copyto\(", r"\.update\(", r"\.insert\(0, ", r"\.pop\(\)",
                r"\.fill\("],
    "branches": [r"^ *if .*:$", r"^ *elif .*:$", r"^ *else:$", r"= .+ if .+ else ", r"^ *if .*\b(and|or)\b",
                 r"^ *if .*np\.(sum|mean|max|min|all|any|linalg\.norm)\(", r"^ *if \w+ [<>]=? \w+:$",
                 r"^ *if .*(\.shape\[|len\(|\.ndim|\.size)", r"^ *if .*\bn [<>=%]", r"^ *if (not )?flag\d+",
                 r"^    if .*:\n(        .*\n)*        return ",
                 r"^    if .*:\n(        .*\n)*        return .*\n    elif .*:\n(        .*\n)*        return ",
                 r"^ +v\d+ \S?= .*\n *(elif|$)"],
    "loops": [r"for i\d+ in range\(\d\):", r"for i\d+ in range\(0\):", r"for i\d+ in range\(1\):",
              r"in range\(len\(", r"in range\(\w+\.shape\[0\]\):", r"in range\(1, ", r"in range\(0, \d, 2\)",
              r"in range\(\d - 1, -1, -1\)", r"in range\(min\(n, ", r"in range\(n\):", r"for u\d+ in [A-Tv]\w*:",
              r"for i\d+, u\d+ in enumerate\(", r"in zip\(", r"in reversed\(", r"for w\d+ in \[",
              r"^ *while .*\band\b.*:$", r"^ *while True:$", r"^ *break$", r"^ *continue$",
              r"^(    )for .*\n(\1    .*\n)*\1else:$", r"^ +for .*\n +for ", r"(s\d+) = \1 [+-] ", r"(s\d+) [+-]= ",
              r"(s\d+) = \1 \* ", r"y\d+\[i\d+(, :)?\] = ", r"y\d+\[i\d+(, :)?\] [+*-]= ",
              r"y\d+\[i\d+(, :)?\] = 0\.5 \* y\d+\[i\d+ - 1\]", r"= np\.zeros\(", r"\.append\(", r"np\.stack\(",
              r"h\d+ = np\.tanh\(.*@", r"^ {8}.*helper_\w+\(", r"^ +prev\d+ = ",
              r"^( *)for .*\n(\1    .*\n)*\1        return "],
}


@pytest.mark.parametrize("family", sorted(CONSTRUCTS))
def test_each_family_generates_its_constructs(family):
    texts = ["\n".join(p.imports + [p.function_source()]) for p in _sample(family, 150)]
    for pattern in CONSTRUCTS[family]:
        assert any(re.search(pattern, t, re.M) for t in texts), pattern


def _trace(f, args):
    """The lines of the program's module that a call of ``f`` runs, in order."""
    filename, lines = f.__code__.co_filename, []

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != filename:
            return None
        if event == "line":
            lines.append((frame.f_code.co_name, frame.f_lineno))
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        with np.errstate(all="ignore"):
            f(*args)
    finally:
        sys.settrace(previous)
    return lines


@pytest.mark.parametrize("family", ["branches", "loops"])
def test_margins_cover_every_control_flow_decision(family, tmp_path):
    """The judge's own check: a program not discarded takes the same path (the same lines, in the same
    order: branches, iterations, breaks, returns) when any input element it is differentiated by moves
    by 1/20 of its smallest margin, far more than finite differences move it. A comparison of
    differentiated values left out of ``margins`` would make some of these paths change (as they do
    when the margins inside compound statements are dropped)."""
    judged = 0
    for program in _sample(family, 60, seed="paths"):
        module = load_program(program, tmp_path)
        try:
            args = program.inputs()
            with np.errstate(all="ignore"):
                margin = _min_margin(module.margins(*_copies(args)))
            if not margin > KINK_MARGIN:
                continue
            judged += 1
            step = min(margin / 20, 0.05)
            path = _trace(module.f, _copies(args))
            names = [name for name, _, _ in program.params]
            for name in program.wrt:
                k = names.index(name)
                x = np.array(args[k], dtype=float)
                for element in np.ndindex(x.shape):
                    for sign in (1, -1):
                        moved = x.copy()
                        moved[element] += sign * step
                        call = _copies(args)
                        call[k] = moved.astype(program.dtype) if isinstance(args[k], np.ndarray) else float(moved)
                        assert _trace(module.f, call) == path, \
                            f"{name}{list(element)} moved by {sign * step:.3g} changes the path of\n{program!r}"
        finally:
            unload(module)
    assert judged >= 40


def test_modules_family_writes_a_second_module():
    programs = [p for p in _sample("modules", 40) if p.helper_module]
    assert programs
    text = programs[0].helper_module
    assert "def h0(" in text and "SCALE = " in text and "import numpy as xnp" in text


def test_hypothesis_and_random_choosers_build_the_same_kind_of_program():
    @settings(max_examples=5, derandomize=True, deadline=None)
    @given(program=programs("containers"))
    def run(program):
        assert isinstance(program, Program) and program.size >= 1

    run()
