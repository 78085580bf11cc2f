"""`python -m jaffle_sim` runs the command line."""

import sys

from jaffle_sim.cli import main

sys.exit(main())
