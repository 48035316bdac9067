"""The remix lineage: a NetworkX graph of works and contributors, credits, royalties, trees.

Owns: the lineage graph, credit and royalty computations, family-tree rendering
and exports. May import: ledger, projections, networkx, graphviz, the standard
library. Never imports service.
"""
