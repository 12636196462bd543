"""The package version, in a leaf module that every result can cite without importing more."""

__version__ = "0.1.0"
