"""Give the join of a branch the name its branches computed it under, so that generated code reads as written.

The normalizer writes ``y = ...`` in each branch of an ``if`` as its own version (``y``, ``y_1``) and joins
them with copies at the end of the branches (``y_2 = y`` / ``y_2 = y_1``). When a branch's version is
assigned only in that branch and feeds only that copy, it can be the join itself: every version and the
join are renamed to one name and the copies disappear. (The branches exclude each other, so the one name
is still assigned once on every path; a version assigned before the ``if`` or used twice is left alone.)
"""

import ast

from .ir import Assign, If, Loop, Passive, RenameNames, assigned_names, assignment_counts, walk_statements


def coalesce_joins(program):
    """Rename, in place, the joins of ``program``'s branches to the names their branches compute them under
    (innermost branches first, so that a join of joins takes the name they all end up with)."""
    branches = [s for s in walk_statements(program.body) if isinstance(s, If)]
    for stmt in reversed(branches):
        sites = assignment_counts(program.body, program.params)
        mapping = _plan(stmt, sites)
        if mapping:
            _rename_block(program.body, mapping)
            if isinstance(program.result, ast.Name) and program.result.id in mapping:
                program.result = ast.Name(mapping[program.result.id], ast.Load())
            elif isinstance(program.result, list):
                program.result = [ast.Name(mapping[r.id], ast.Load()) if isinstance(r, ast.Name) and r.id in mapping
                                  else r for r in program.result]
            program.active = {mapping.get(n, n) for n in program.active}
            program.hazards = [(mapping.get(n, n), error) for n, error in program.hazards]
    return program


def _plan(stmt, sites):
    """{old name: new name} for the joins of one ``if`` that can take their branches' names (and the copies
    that made them are removed from the branches)."""
    arms = [stmt.body, stmt.orelse]
    joins = {}
    for k, arm in enumerate(arms):
        for copy in arm:
            if getattr(copy, "join", False):
                joins.setdefault(assigned_names(copy)[0], {})[k] = copy
    mapping = {}
    for target, copies in joins.items():
        if len(copies) != 2:
            continue
        sources = []
        for k, copy in copies.items():
            source = _source(copy)
            if source is None or source in mapping or source == target:
                break
            inside = assignment_counts(arms[k])
            feeds = sum(1 for s in arms[k] if getattr(s, "join", False) and _source(s) == source)
            # the source is computed in this arm only (not a global, closure or argument merely read there:
            # renaming the join to it would assign that outside name)
            if not inside.get(source, 0) or inside.get(source, 0) != sites.get(source, 0) or feeds != 1:
                break
            sources.append((k, source, copy))
        else:
            name = sources[0][1]
            for k, source, copy in sources:
                arms[k].remove(copy)
                if source != name:
                    mapping[source] = name
            mapping[target] = name
    return mapping


def _source(copy):
    value = copy.args[0] if isinstance(copy, Assign) else copy.stmt.value
    return value.id if isinstance(value, ast.Name) else None


def _rename_block(block, mapping):
    renamer = RenameNames(mapping)
    for stmt in block:
        if isinstance(stmt, Assign):
            stmt.target = mapping.get(stmt.target, stmt.target)
            stmt.value = renamer.visit(stmt.value)
            stmt.args = [renamer.visit(a) for a in stmt.args]
            stmt.kwargs = {k: renamer.visit(v) for k, v in stmt.kwargs.items()}
        elif isinstance(stmt, Passive):
            stmt.stmt = renamer.visit(stmt.stmt)
            stmt.targets = tuple(mapping.get(t, t) for t in stmt.targets)
        elif isinstance(stmt, If):
            stmt.test = mapping.get(stmt.test, stmt.test)
            _rename_block(stmt.body, mapping)
            _rename_block(stmt.orelse, mapping)
        elif isinstance(stmt, Loop):
            stmt.header = renamer.visit(stmt.header)
            stmt.carried = {user: mapping.get(name, name) for user, name in stmt.carried.items()}
            _rename_block(stmt.body, mapping)
