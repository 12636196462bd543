"""PLACEHOLDER - being written."""
class Cohort: pass
def simulate_dyad(*a, **k): raise NotImplementedError
def simulate_cohort(*a, **k): raise NotImplementedError
