"""The names generated code uses: fresh temporaries, versions, adjoints and outside objects.

Every name is chosen deterministically and never collides with a name the user's code reads,
so the same function always gives byte-identical source.
"""

import ast


def identifiers(tree):
    """Every variable and parameter name that appears in a tree."""
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return names | {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}


class Namespace:
    """Names in use in one generated function, and the outside objects it refers to.

    ``externals`` maps a name to an object (numpy, a runtime helper, a constant of an inlined
    helper's module) that the generated function reaches through a closure cell; the user's own
    globals and closure stay live through the function's globals and cells.
    """

    def __init__(self, source):
        self.source = source
        self.taken = identifiers(source.tree)
        self.bound = set()       # names the generated function binds itself
        self.externals = {}
        self._next_temp = 0

    def fresh(self, base):
        """``base`` if unused, else ``base_1``, ``base_2``..."""
        name, i = base, 0
        while name in self.taken:
            i += 1
            name = f"{base}_{i}"
        self.taken.add(name)
        self.bound.add(name)
        return name

    def temp(self):
        """The next unused ``t0``, ``t1``..."""
        while f"t{self._next_temp}" in self.taken:
            self._next_temp += 1
        return self.fresh(f"t{self._next_temp}")

    def claim(self, name):
        """Bind a user name itself (its first version in the function)."""
        self.taken.add(name)
        self.bound.add(name)
        return name

    def external(self, name, value):
        """A name under which generated code sees ``value``: ``name`` itself when free."""
        if self.externals.get(name, _MISSING) is value:
            return name
        if name not in self.externals and name not in self.bound:
            found, current = self.source.resolve(name)
            if found and current is value:
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
