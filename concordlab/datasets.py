"""PLACEHOLDER - being written."""
def example_session(*a, **k): raise NotImplementedError
def example_cohort(*a, **k): raise NotImplementedError
def rmea_psychotherapy(*a, **k): raise NotImplementedError
