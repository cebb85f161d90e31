"""Allow ``python -m lsc_engine``."""

from lsc_engine.cli import main

main()
