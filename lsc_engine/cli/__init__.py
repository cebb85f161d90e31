"""The ``lsc`` command line."""

from lsc_engine.cli.main import main

__all__ = ["main"]
