"""The long run of the differential tests: thousands of random programs, every outcome tallied.

    python -m tests.differential --count 10000 --jobs 2              # every family, in turn
    python -m tests.differential --count 500 --family inplace --seed 3
    python -m tests.differential --count 10000 --out failures.md     # the reproducers, as markdown

Unlike the hypothesis tests (which stop at a family's first failure), this runs every program and
groups the failures by kind (which mode, what went wrong, the error's type), keeping the smallest
program of each group as its reproducer. Program ``i`` of seed ``s`` is always the same program:
``python -m tests.differential --show s:i`` prints it and its outcome again.
"""

import argparse
import collections
import copy
import multiprocessing
import pathlib
import re
import sys
import tempfile
import time
import traceback
import warnings

from .generator import FAMILIES, RandomChooser, build_program


def program_of(seed, i, family=None):
    chooser = RandomChooser(f"{seed}:{i}")
    return build_program(chooser, family or FAMILIES[i % len(FAMILIES)])


_FOLDER = None


def _init():
    global _FOLDER
    _FOLDER = pathlib.Path(tempfile.mkdtemp(prefix="sg-differential-"))
    warnings.simplefilter("ignore")


def _run(job):
    from .oracle import judge

    seed, i, family = job
    start = time.monotonic()
    try:
        program = program_of(seed, i, family)
    except Exception as exc:  # noqa: BLE001  (the generator itself broke: report it, keep going)
        return dict(seed=seed, i=i, family=family or FAMILIES[i % len(FAMILIES)], status="fail", size=0,
                    kinds=[f"generator: {type(exc).__name__}"], signature=f"generator crash ({type(exc).__name__})",
                    text=traceback.format_exc(), seconds=time.monotonic() - start, reason=None)
    try:
        outcome = judge(program, _FOLDER)
    except Exception as exc:  # noqa: BLE001  (the oracle itself broke: report it, keep going)
        return dict(seed=seed, i=i, family=program.family, status="fail", size=program.size,
                    kinds=[f"oracle: {type(exc).__name__}"], signature=f"oracle crash ({type(exc).__name__})",
                    text=traceback.format_exc() + f"\n{program!r}", seconds=time.monotonic() - start, reason=None)
    return dict(seed=seed, i=i, family=program.family, status=outcome.status, size=program.size,
                kinds=outcome.kinds, signature=_signature(outcome),
                text=outcome.describe() if outcome.status == "fail" else None,
                seconds=time.monotonic() - start, reason=outcome.reason)


def _signature(outcome):
    """What makes two failures the same: the modes and kinds, and the type of each error."""
    parts = []
    for mode, kind, detail in outcome.problems:
        error = re.match(r"(\w+(?:Error|Exception|Warning))", detail or "")
        parts.append(f"{mode}: {kind}" + (f" ({error.group(1)})" if error and "error" in kind else ""))
    return " + ".join(sorted(set(parts)))


def _without(program, k):
    """The program without statement ``k`` (margins evaluated before it are dropped too)."""
    clone = copy.copy(program)
    clone.statements = program.statements[:k] + program.statements[k + 1:]
    clone.margins = [(w - (w > k), t) for w, t in program.margins if w != k]
    return clone


def minimize(program, folder, signature):
    """Greedily drop statements and result terms while the failure keeps its signature."""
    from .oracle import judge

    def same(candidate):
        try:
            outcome = judge(candidate, folder)
        except Exception:  # noqa: BLE001
            return False
        return outcome.status == "fail" and _signature(outcome) == signature

    changed = True
    while changed:
        changed = False
        terms = program.result.split(" + ")
        for t in range(len(terms)):
            if len(terms) > 1:
                candidate = copy.copy(program)
                candidate.result = " + ".join(terms[:t] + terms[t + 1:])
                if same(candidate):
                    program, changed = candidate, True
                    break
        for k in reversed(range(len(program.statements))):
            candidate = _without(program, k)
            if same(candidate):
                program, changed = candidate, True
    return program


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tests.differential", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", default="0")
    parser.add_argument("--start", type=int, default=0, help="index of the first program")
    parser.add_argument("--family", choices=FAMILIES)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--out", help="write the failures (smallest program of each kind) to this markdown file")
    parser.add_argument("--show", help="SEED:INDEX: print that program and its outcome")
    parser.add_argument("--minimize", action="store_true", help="with --show: drop statements while the failure "
                        "stays the same kind, and print the smallest program found")
    args = parser.parse_args(argv)

    if args.show:
        from .oracle import judge

        seed, i = args.show.rsplit(":", 1)
        program = program_of(seed, int(i), args.family)
        _init()
        outcome = judge(program, _FOLDER)
        if args.minimize and outcome.status == "fail":
            program = minimize(program, _FOLDER, _signature(outcome))
            outcome = judge(program, _FOLDER)
        print(f"status: {outcome.status}" + (f" (source declined: {outcome.reason})" if outcome.reason else ""))
        print(outcome.describe())
        return 0

    jobs = [(args.seed, i, args.family) for i in range(args.start, args.start + args.count)]
    statuses = collections.Counter()
    by_family = collections.defaultdict(collections.Counter)
    reasons = collections.Counter()
    groups = {}
    counts = collections.Counter()
    sizes = []
    start = time.monotonic()
    context = multiprocessing.get_context("fork")
    with context.Pool(args.jobs, initializer=_init, maxtasksperchild=200) as pool:
        for n, result in enumerate(pool.imap_unordered(_run, jobs, chunksize=4), 1):
            statuses[result["status"]] += 1
            by_family[result["family"]][result["status"]] += 1
            sizes.append(result["size"])
            if result["reason"]:
                reasons[re.sub(r"\d+", "N", result["reason"].split(" (")[0])[:100]] += 1
            if result["status"] == "fail":
                key = (result["family"], result.get("signature") or " + ".join(result["kinds"]))
                counts[key] += 1
                if key not in groups or result["size"] < groups[key]["size"]:
                    groups[key] = result
            if n % 500 == 0:
                print(f"  {n}/{len(jobs)} programs, {dict(statuses)} ({time.monotonic() - start:.0f} s)", flush=True)
    elapsed = time.monotonic() - start
    judged = statuses["ok"] + statuses["declined"] + statuses["fail"]
    print(f"\n{len(jobs)} programs in {elapsed:.0f} s: {dict(statuses)}; {judged} judged "
          f"(statements per program: median {sorted(sizes)[len(sizes) // 2]}, max {max(sizes)})")
    print(f"\n{'family':<16} {'ok':>6} {'declined':>9} {'fail':>6} {'discarded':>10}")
    for family in FAMILIES:
        c = by_family.get(family)
        if c:
            print(f"{family:<16} {c['ok']:>6} {c['declined']:>9} {c['fail']:>6} {c['discarded']:>10}")
    if reasons:
        print("\nsource mode declined (reason, count):")
        for reason, n in reasons.most_common(25):
            print(f"  {n:>5}  {reason}")
    if groups:
        print("\nfailures (family, kind: count; smallest program):")
        for key in sorted(groups, key=lambda k: (k[0], -counts[k])):
            g = groups[key]
            print(f"  {key[0]:<15} {key[1]}: {counts[key]}   (--show {g['seed']}:{g['i']}, {g['size']} statements)")
    if args.out:
        lines = [f"# Differential failures: {len(jobs)} programs (seed {args.seed}), {dict(statuses)}", ""]
        for key in sorted(groups, key=lambda k: (k[0], -counts[k])):
            g = groups[key]
            lines += [f"## {key[0]}: {key[1]} ({counts[key]} programs)", "",
                      f"Smallest: `python -m tests.differential --show {g['seed']}:{g['i']}`", "", "```",
                      g["text"], "```", ""]
        pathlib.Path(args.out).write_text("\n".join(lines))
    return 1 if statuses["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
