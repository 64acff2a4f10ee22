"""A session's stack table as generators build it (tests/gen-timeline.py,
tests/gen-compare.py): nodes interned by (parent, frame) in the order paths
first reach them, as recorders intern them."""


class StackTable:
    def __init__(self):
        self.parent, self.frame, self._index = [], [], {}

    def stack(self, path):
        """The leaf node of a path of frame indices, root first."""
        node = -1
        for f in path:
            if (node, f) not in self._index:
                self._index[(node, f)] = len(self.parent)
                self.parent.append(node)
                self.frame.append(f)
            node = self._index[(node, f)]
        return node

    def json(self):
        return {"parent": self.parent, "frame": self.frame}
