"""The catalog: one file per topic, each derivation a function that reads like the math.

Every file here is imported by :mod:`symbp.catalog`; a function registers with
``@derivation(name, summary, group=...)`` and receives a
:class:`symbp.core.proof.Builder`.
"""
