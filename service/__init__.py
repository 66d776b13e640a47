"""costcurve: LLM inference cost estimates as a service."""

__version__ = "0.1.0"
