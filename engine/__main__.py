"""``python -m engine`` runs the heterocosm command line."""

import sys

from engine.cli import main

sys.exit(main())
