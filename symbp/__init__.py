"""symbp: derive and verify the mathematics of backpropagation, then use it.

>>> import symbp
>>> d = symbp.derive("softmax_ce")      # doctest: +SKIP
>>> d.verified, d.result                # doctest: +SKIP

The API is imported lazily so that the training path (``symbp.train`` with a
generated module) never loads SymPy.
"""

__version__ = "0.1.0"

__all__ = ["build", "catalog", "derive", "verify", "__version__"]


def __getattr__(name):
    if name in ("build", "catalog", "derive", "verify"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'symbp' has no attribute {name!r}")
