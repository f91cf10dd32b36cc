"""``python -m journeymap`` runs the CLI (in the warm engine when one runs, see :mod:`journeymap.warm`)."""

from journeymap.warm import main

main()
