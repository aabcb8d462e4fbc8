"""The read side: the measure registry (measures.py) and what is computed from it."""
