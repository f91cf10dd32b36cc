"""journeymap: customer journey maps as code, kept alive by data."""

__version__ = "0.1.0"
