"""PLACEHOLDER - being written."""
def read_bids_physio(*a, **k): raise NotImplementedError
def read_events_tsv(*a, **k): raise NotImplementedError
def write_events_tsv(*a, **k): raise NotImplementedError
