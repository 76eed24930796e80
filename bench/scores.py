"""Agreement between a found partition and the ground truth: ARI, NMI and MoJoFM (bench/split.py's scores)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping

import networkx as nx


def ari(truth: Mapping[str, str], found: Mapping[str, str]) -> float:
    """Adjusted Rand index (Hubert & Arabie) over the keys of ``truth``."""
    keys = sorted(truth)
    n = len(keys)
    pairs = Counter((truth[k], found[k]) for k in keys)
    a = Counter(truth[k] for k in keys)
    b = Counter(found[k] for k in keys)

    def c2(x: int) -> float:
        return x * (x - 1) / 2

    index = sum(c2(v) for v in pairs.values())
    sa, sb = sum(c2(v) for v in a.values()), sum(c2(v) for v in b.values())
    expected = sa * sb / c2(n) if n > 1 else 0.0
    top = (sa + sb) / 2
    return (index - expected) / (top - expected) if top != expected else 1.0


def nmi(truth: Mapping[str, str], found: Mapping[str, str]) -> float:
    """Normalised mutual information, arithmetic mean of the entropies."""
    keys = sorted(truth)
    n = len(keys)
    pairs = Counter((truth[k], found[k]) for k in keys)
    a = Counter(truth[k] for k in keys)
    b = Counter(found[k] for k in keys)
    mi = sum(c / n * math.log(c * n / (a[x] * b[y])) for (x, y), c in pairs.items())
    ha = -sum(c / n * math.log(c / n) for c in a.values())
    hb = -sum(c / n * math.log(c / n) for c in b.values())
    return 2 * mi / (ha + hb) if ha + hb > 0 else 1.0


def mojofm(truth: Mapping[str, str], found: Mapping[str, str]) -> float:
    """MoJoFM (Wen & Tzerpos 2004) of ``found`` against ``truth``, in percent.

    mno(A, B) = moves + joins = (n - sum_i max_j |A_i & B_j|) + (l - g), where each cluster A_i of ``found`` is
    tagged with a ``truth`` cluster it overlaps most and g, the number of distinct tags, is maximised by a
    maximum bipartite matching; MoJoFM = (1 - mno(A, B) / (n - |B|)) * 100.
    """
    keys = sorted(truth)
    n = len(keys)
    overlap = Counter((found[k], truth[k]) for k in keys)
    best: dict[str, int] = {}
    for (a, _), c in overlap.items():
        best[a] = max(best.get(a, 0), c)
    tags = nx.Graph()
    for (a, b), c in overlap.items():
        if c == best[a]:
            tags.add_edge(("A", a), ("B", b))
    left = {node for node in tags if node[0] == "A"}
    matching = nx.bipartite.maximum_matching(tags, top_nodes=left) if tags.number_of_edges() else {}
    g = len(matching) // 2
    moves = n - sum(best.values())
    joins = len(best) - g
    worst = n - len(set(truth.values()))
    return (1 - (moves + joins) / worst) * 100 if worst else 100.0
