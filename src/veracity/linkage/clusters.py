"""Connected components of the matched pairs, vectorised (union-find by array operations).

If A matches B and B matches C, all three are one customer even when A and C were never
compared (or compared below the threshold): clusters grow along the matched pairs. They do not
grow across a weak match between two groups that do not match each other
(:func:`cohesive_pairs`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = ["cohesive_pairs", "components"]

Index = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def components(left: Index, right: Index, size: int) -> Index:
    """Label of each of ``size`` nodes: the smallest node of its component.

    Each round hooks every edge's larger root under its smaller root (``np.minimum.at``: the
    smallest proposal wins when several edges hook the same root), then compresses paths by
    pointer jumping until every node points at a root. Labels only decrease, so no cycle can
    form, and the rounds needed grow with the logarithm of the components' diameter.
    """
    parent = np.arange(size, dtype=np.int64)
    if left.size == 0:
        return parent
    while True:
        a, b = parent[left], parent[right]
        differ = a != b
        if not differ.any():
            return parent
        low, high = np.minimum(a[differ], b[differ]), np.maximum(a[differ], b[differ])
        np.minimum.at(parent, high, low)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand


#: Components up to this size have every pair of their records scored once, up front, when
#: they are checked for cohesion (half a million pairs at most). In larger ones, the pairs
#: across two parts are scored when the parts are checked, if they are at most
#: :data:`SCORED_ACROSS`; beyond that, only the matches between the parts are known.
FULLY_SCORED = 1_000
SCORED_ACROSS = 1_000_000

Scorer = Callable[[Index, Index], Floats]


def cohesive_pairs(left: Index, right: Index, probability: Floats, score: Scorer, cohesion: float) -> Bools:
    """Which matched pairs (record positions ``left``, ``right``) stay links of a cluster.

    Connected components of the matches would let one weak pair chain two people into one
    cluster, and chains of them grow clusters to dozens of records. So a component of three or
    more records is cut at its weakest matches (every match with the lowest probabilities,
    as few as disconnect it); where the parts then match each other, on average over every
    pair of records across them (``score`` gives the probabilities), less than ``cohesion``,
    they stay apart, and each is checked in turn; otherwise the component stays whole.
    ``cohesion`` 0 keeps every component whole.
    """
    keep = np.ones(left.size, dtype=bool)
    if left.size == 0 or cohesion <= 0:
        return keep
    nodes, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
    a, b = inverse[: left.size].astype(np.int64), inverse[left.size :].astype(np.int64)
    labels = components(a, b, nodes.size)
    sizes = np.bincount(labels, minlength=nodes.size)
    edge_order = np.argsort(labels[a], kind="stable")
    edge_starts = np.searchsorted(labels[a][edge_order], np.arange(nodes.size + 1))
    node_order = np.argsort(labels, kind="stable")
    node_starts = np.searchsorted(labels[node_order], np.arange(nodes.size + 1))
    for root in np.flatnonzero(sizes >= 3).tolist():
        members = node_order[node_starts[root] : node_starts[root + 1]]
        edges = edge_order[edge_starts[root] : edge_starts[root + 1]]
        local = np.full(nodes.size, -1, dtype=np.int64)
        local[members] = np.arange(members.size)
        component = _Component(nodes[members], local[a[edges]], local[b[edges]], probability[edges], score)
        group = component.groups(cohesion)
        keep[edges] = group[local[a[edges]]] == group[local[b[edges]]]
    return keep


class _Component:
    """One connected component of matches: its records, its matches (as indices 0..n-1 of
    its records), and what is known of how all its records match each other."""

    def __init__(self, records: Index, a: Index, b: Index, probability: Floats, score: Scorer) -> None:
        self.records, self.a, self.b, self.probability, self.score = records, a, b, probability, score
        n = records.size
        self.matrix: Floats | None = None
        if n <= FULLY_SCORED:
            first, second = np.triu_indices(n, 1)
            scores = score(records[first], records[second])
            self.matrix = np.empty((n, n))
            self.matrix[first, second] = scores
            self.matrix[second, first] = scores

    def across(self, first: Index, second: Index) -> float:
        """Mean match probability of the pairs of records across two disjoint sets of them."""
        if self.matrix is not None:
            return float(self.matrix[np.ix_(first, second)].mean())
        if first.size * second.size <= SCORED_ACROSS:
            left, right = np.repeat(first, second.size), np.tile(second, first.size)
            return float(self.score(self.records[left], self.records[right]).mean())
        inside = np.isin(self.a, first) & np.isin(self.b, second) | np.isin(self.a, second) & np.isin(
            self.b, first
        )
        return float(self.probability[inside].mean())

    def groups(self, cohesion: float) -> Index:
        """Final group of each record: the smallest record index of its group. Groups are
        split until each is whole by :meth:`_parts`; a work list, not recursion, as a long
        chain may be cut one record at a time."""
        group = np.zeros(self.records.size, dtype=np.int64)
        pending = [np.arange(self.records.size, dtype=np.int64)]
        while pending:
            nodes = pending.pop()
            parts = self._parts(nodes, cohesion)
            if len(parts) == 1:
                group[nodes] = nodes.min()
            else:
                pending.extend(parts)
        return group

    def _parts(self, nodes: Index, cohesion: float) -> list[Index]:
        """``nodes`` (connected by matches) as one group, or the parts it splits into."""
        if nodes.size <= 2:
            return [nodes]
        inside = np.isin(self.a, nodes) & np.isin(self.b, nodes)
        probability = self.probability[inside]
        local = np.full(self.records.size, -1, dtype=np.int64)
        local[nodes] = np.arange(nodes.size)
        la, lb = local[self.a[inside]], local[self.b[inside]]
        levels = np.unique(probability)
        # The fewest weakest matches whose removal disconnects the nodes: removing more only
        # disconnects more, so a binary search over the distinct probabilities finds them.
        low, high = 0, levels.size - 1
        while low < high:
            middle = (low + high) // 2
            kept = probability > levels[middle]
            if bool(np.all(components(la[kept], lb[kept], nodes.size) == 0)):
                low = middle + 1
            else:
                high = middle
        kept = probability > levels[low]
        parts = components(la[kept], lb[kept], nodes.size)
        # Parts linked by a removed match join again where they match each other well enough.
        pa, pb = parts[la[~kept]], parts[lb[~kept]]
        linked = np.unique(np.stack([np.minimum(pa, pb), np.maximum(pa, pb)], axis=1), axis=0)
        join = [
            (first, second)
            for first, second in linked.tolist()
            if self.across(nodes[parts == first], nodes[parts == second]) >= cohesion
        ]
        joined = np.asarray(join, dtype=np.int64).reshape(-1, 2)
        merged = components(joined[:, 0], joined[:, 1], nodes.size)[parts]
        labels = np.unique(merged)
        return [nodes] if labels.size == 1 else [nodes[merged == label] for label in labels.tolist()]
