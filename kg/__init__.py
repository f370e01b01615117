"""kg: Japanese chip-supply-chain news to an RDF knowledge graph.

Pipeline, one module per stage, in the order the data flows:
corpus -> parse -> entities -> relations -> graph -> query / analysis -> viz / serve / cli.
"""

__version__ = "0.1.0"
