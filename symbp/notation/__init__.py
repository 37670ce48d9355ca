"""Notation: printing SymPy objects in course notation (LaTeX, Unicode text)."""
