"""``python -m pynn_glif3 ...``: the command line (see :mod:`pynn_glif3.cli`)."""

import sys

from pynn_glif3.cli import main

sys.exit(main())
