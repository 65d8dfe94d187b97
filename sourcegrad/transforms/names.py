"""The names generated code uses: fresh temporaries, versions, adjoints and outside objects.

Every name is chosen deterministically and never collides with a name the generated code reads:
a fresh name is never one of the function's identifiers, one of its globals, closure variables or
builtins (a local ``t0`` would hide a global ``t0`` from the code that reads it), nor a name
generated code already reads from outside. The same function always gives byte-identical source.
"""

import ast
import builtins
import types

from .ir import push_children


def identifiers(tree):
    """Every variable and parameter name that appears in a tree."""
    return _scan(tree)[0]


def _scan(tree):
    """(every variable and parameter name in ``tree``, the names it binds itself: parameters and
    names stored to), in one walk with an explicit stack."""
    seen, bound = set(), set()
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            seen.add(node.id)
            if type(node.ctx) is not ast.Load:
                bound.add(node.id)
            continue
        if kind is ast.arg:
            seen.add(node.arg)
            bound.add(node.arg)
        push_children(stack, node)
    return seen, bound


class Namespace:
    """Names in use in one generated function, and the outside objects it refers to.

    ``externals`` maps a name to an object (numpy, a runtime helper, a constant of an inlined
    helper's module) that the generated function reaches through a closure cell; the user's own
    globals and closure stay live through the function's globals and cells.

    Fresh names skip, besides the names already taken, every name that the generated function
    could read from outside: the function's globals (all of them, checked by membership when a name
    is chosen; the function's own name is the one exception, as the gradient never calls the
    function it differentiates), its closure variables and the builtins.
    """

    def __init__(self, source):
        self.source = source
        self.taken, self.local = _scan(source.tree)   # self.local: the names the user's function binds itself
        self.bound = set()       # names the generated function binds itself
        self.externals = {}
        self._next_temp = 0
        self._next_suffix = {}   # base -> first suffix fresh() has not yet found taken
        self._own_name = getattr(source.tree, "name", None)
        builtin = source.globals.get("__builtins__", builtins)
        self._builtins = builtin.__dict__ if isinstance(builtin, types.ModuleType) else builtin

    def snapshot(self):
        """The names chosen so far, to ``restore`` (the normalizer lowers a loop again after learning more)."""
        return (set(self.taken), set(self.bound), dict(self.externals), self._next_temp, dict(self._next_suffix))

    def restore(self, state):
        taken, bound, externals, next_temp, next_suffix = state
        self.taken, self.bound, self.externals = set(taken), set(bound), dict(externals)
        self._next_temp, self._next_suffix = next_temp, dict(next_suffix)

    def _is_free(self, name):
        """Whether ``name`` may be bound by the generated function without hiding anything it reads."""
        if name in self.taken or name in self.source.closure or name in self._builtins:
            return False
        return name not in self.source.globals or name == self._own_name

    def fresh(self, base):
        """``base`` if free, else ``base_1``, ``base_2``... (the first free one)."""
        name = base
        if not self._is_free(name):
            # Every suffix below _next_suffix[base] was found unavailable, and names never become
            # free again, so the search resumes there: a name versioned n times costs O(n), not O(n**2).
            i = self._next_suffix.get(base, 1)
            name = f"{base}_{i}"
            while not self._is_free(name):
                i += 1
                name = f"{base}_{i}"
            self._next_suffix[base] = i + 1
        self.taken.add(name)
        self.bound.add(name)
        return name

    def temp(self):
        """The next free ``t0``, ``t1``..."""
        while not self._is_free(f"t{self._next_temp}"):
            self._next_temp += 1
        return self.fresh(f"t{self._next_temp}")

    def claim(self, name):
        """Bind a user name itself (its first version in the function)."""
        self.taken.add(name)
        self.bound.add(name)
        return name

    def external(self, name, value):
        """A name under which generated code sees ``value``: ``name`` itself when free.

        A name read from the function's globals is taken from then on, so no temporary or adjoint
        chosen later hides it; a name the function binds itself (a helper's global ``scale`` where
        the function has a local ``scale``) is read through a cell under a fresh name instead."""
        if self.externals.get(name, _MISSING) is value:
            return name
        if name not in self.externals and name not in self.bound and name not in self.local:
            found, current = self.source.resolve(name)
            if found and current is value:
                self.taken.add(name)
                return name
            if not found and name not in self.taken:
                self.taken.add(name)
                self.externals[name] = value
                return name
        for existing, obj in self.externals.items():
            if obj is value and existing.startswith(name + "_"):
                return existing
        fresh = self.fresh(name)
        self.bound.discard(fresh)
        self.externals[fresh] = value
        return fresh

    def load(self, name, value):
        """An ``ast.Name`` loading ``value`` under ``name`` (see ``external``)."""
        return ast.Name(self.external(name, value), ast.Load())


_MISSING = object()
