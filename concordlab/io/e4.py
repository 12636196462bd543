"""PLACEHOLDER - being written."""
def read_e4(*a, **k): raise NotImplementedError
