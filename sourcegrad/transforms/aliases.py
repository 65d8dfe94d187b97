"""Which values of a function may share memory, which belong to its caller, and which the adjoint reads.

The normalizer asks this before it lets a statement write into a value in place: a write is safe to
keep as the user wrote it only when nothing the adjoint reads later can see it, and can be turned into
a functional update (a copy) only when no other name can see the difference.
"""


OUTSIDE = "<outside>"   # stands for every object the function's caller or a global can reach


class Aliases:
    """A union-find over value names: names in one class may refer to (parts of) the same object."""

    def __init__(self):
        self._parent = {}
        self._members = {}      # root -> set of names in its class
        self._escaped = set()   # roots of classes holding an object the caller (or a global) also holds
        self._saved = set()     # names whose value the adjoint reads
        self._contents = {}     # container name -> names of the objects it holds (a list's items)
        self._held = set()      # names some container holds

    def copy(self):
        """An independent copy (the normalizer rolls back to one when it lowers a loop again)."""
        new = Aliases.__new__(Aliases)
        new._parent = dict(self._parent)
        new._members = {k: set(v) for k, v in self._members.items()}
        new._escaped = set(self._escaped)
        new._saved = set(self._saved)
        new._contents = {k: set(v) for k, v in self._contents.items()}
        new._held = set(self._held)
        return new

    def _root(self, name):
        if name not in self._parent:
            self._parent[name] = name
            self._members[name] = {name}
        root = name
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[name] != root:   # path compression
            self._parent[name], name = root, self._parent[name]
        return root

    def new(self, name, escaped=False):
        """``name`` holds a new object of its own (or, with ``escaped``, one its caller holds too)."""
        self._parent[name] = name
        self._members[name] = {name}
        self._escaped.discard(name)
        if escaped:
            self.escape(name)

    def escape(self, name):
        """``name``'s object is reachable from outside the function (an argument, a global, something an
        unknown call kept): it may be any of the other objects outside, so all of them form one class."""
        self.join(name, OUTSIDE)
        self._escaped.add(self._root(name))

    def join(self, a, b):
        """``a`` and ``b`` may share memory."""
        ra, rb = self._root(a), self._root(b)
        if ra == rb:
            return
        if len(self._members[ra]) < len(self._members[rb]):
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._members[ra] |= self._members.pop(rb)
        if rb in self._escaped:
            self._escaped.discard(rb)
            self._escaped.add(ra)

    def contain(self, container, item):
        """``container`` (a list, tuple or dict) holds a reference to ``item``'s object."""
        self._contents.setdefault(container, set()).add(item)
        self._held.add(item)

    def held(self, name):
        """Whether some list, tuple or dict holds ``name``'s object (or one sharing memory with it)."""
        return not self._held.isdisjoint(self.members(name))

    def reachable(self, name):
        """Every name whose object may be reached from ``name``'s: its class, and what they hold."""
        seen, todo = set(), [name]
        while todo:
            for member in self.members(todo.pop()):
                if member not in seen:
                    seen.add(member)
                    todo.extend(self._contents.get(member, ()))
        return seen

    def members(self, name):
        return self._members[self._root(name)]

    def escaped(self, name):
        return self._root(name) in self._escaped

    def alone(self, name):
        """No other name can reach ``name``'s object (it may still be the caller's)."""
        return self.members(name) == {name}

    def save(self, name):
        """The adjoint reads ``name``'s value after the primal has run (and so what it holds)."""
        self._saved |= self.reachable(name)

    def saved_names(self):
        """Every name the adjoint reads."""
        return frozenset(self._saved)

    def saved(self, name):
        """Whether the adjoint reads ``name``, anything that may share memory with it or anything it holds."""
        return not self._saved.isdisjoint(self.reachable(name))
