"""Connected components of the matched pairs, vectorised (union-find by array operations).

If A matches B and B matches C, all three are one customer even when A and C were never
compared (or compared below the threshold): clusters are the connected components of the graph
whose edges are the matched pairs.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["components"]

Index = npt.NDArray[np.int64]


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
