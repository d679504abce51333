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


#: Components up to this size have every pair of their records scored when they are checked
#: for cohesion (half a million pairs); in larger ones only the compared pairs are known.
FULLY_SCORED = 1_000

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
        matrix = _matrix(nodes[members], local[a[edges]], local[b[edges]], probability[edges], score)
        group = _split(np.arange(members.size), local[a[edges]], local[b[edges]], probability[edges], matrix, cohesion)
        keep[edges] = group[local[a[edges]]] == group[local[b[edges]]]
    return keep


def _matrix(records: Index, a: Index, b: Index, probability: Floats, score: Scorer) -> Floats:
    """Match probability of every two records of a component (NaN where unknown)."""
    n = records.size
    matrix = np.full((n, n), np.nan)
    if n <= FULLY_SCORED:
        first, second = np.triu_indices(n, 1)
        scores = score(records[first], records[second])
        matrix[first, second] = scores
        matrix[second, first] = scores
    matrix[a, b] = probability
    matrix[b, a] = probability
    return matrix


def _split(nodes: Index, a: Index, b: Index, probability: Floats, matrix: Floats, cohesion: float) -> Index:
    """Group of each of ``nodes`` (indices into ``matrix``, connected by the edges ``a``-``b``
    among them): the smallest node of its final group."""
    group = nodes.copy()
    if nodes.size <= 2:
        group[:] = nodes.min()
        return _spread(nodes, group, matrix.shape[0])
    inside = np.isin(a, nodes) & np.isin(b, nodes)
    a, b, probability = a[inside], b[inside], probability[inside]
    local = np.full(matrix.shape[0], -1, dtype=np.int64)
    local[nodes] = np.arange(nodes.size)
    la, lb = local[a], local[b]
    levels = np.unique(probability)
    # The fewest weakest matches whose removal disconnects the nodes: removing more only
    # disconnects more, so a binary search over the distinct probabilities finds them.
    low, high = 0, levels.size - 1
    while low < high:
        middle = (low + high) // 2
        kept = probability > levels[middle]
        if _connected(la[kept], lb[kept], nodes.size):
            low = middle + 1
        else:
            high = middle
    kept = probability > levels[low]
    parts = components(la[kept], lb[kept], nodes.size)
    # Parts linked by a removed match join again where they match each other well enough.
    cut = ~kept
    pa, pb = parts[la[cut]], parts[lb[cut]]
    pairs = np.unique(np.stack([np.minimum(pa, pb), np.maximum(pa, pb)], axis=1), axis=0)
    join_a: list[int] = []
    join_b: list[int] = []
    for first, second in pairs.tolist():
        across = matrix[np.ix_(nodes[parts == first], nodes[parts == second])]
        if np.nanmean(across) >= cohesion:
            join_a.append(first)
            join_b.append(second)
    merged = components(np.asarray(join_a, dtype=np.int64), np.asarray(join_b, dtype=np.int64), nodes.size)[parts]
    result = np.full(matrix.shape[0], -1, dtype=np.int64)
    if np.unique(merged).size == 1:
        result[nodes] = nodes.min()
        return result
    for label in np.unique(merged).tolist():
        subset = nodes[merged == label]
        sub = _split(subset, a, b, probability, matrix, cohesion)
        result[subset] = sub[subset]
    return result


def _spread(nodes: Index, group: Index, size: int) -> Index:
    result = np.full(size, -1, dtype=np.int64)
    result[nodes] = group
    return result


def _connected(a: Index, b: Index, size: int) -> bool:
    return bool(np.all(components(a, b, size) == 0))
