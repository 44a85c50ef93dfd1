"""Run the command-line interface: ``python -m buitengebied``."""

from buitengebied.cli import main

main()
