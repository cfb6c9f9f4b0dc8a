"""Caption pipeline for the report's animated videos."""

__version__ = "0.1.0"
