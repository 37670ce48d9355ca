"""Rules declared once, as data: activations and losses as SymPy expressions."""
