"""The registered measures: one module each, found and registered on first use.

A module here declares one or more :class:`~concordlab.compute.registry.Measure` and
passes each to :func:`~concordlab.compute.registry.register`; nothing else in the package
needs to change for the measure to appear in :func:`concordlab.concordance`, cohorts, the
CLI and the explorer (see ``docs/extending.md``). Modules whose names start with ``_`` are
not loaded automatically.
"""
