"""``python -m analytics.bench``: the benchmark alone; ``--child NAME SPEC`` runs one naive step (a subprocess)."""

import argparse
import sys

from analytics.bench._runner import __doc__ as runner_doc
from analytics.bench._runner import _child_main, add_arguments, main_args

if sys.argv[1:2] == ["--child"]:
    raise SystemExit(_child_main(sys.argv[2:]))
parser = argparse.ArgumentParser(prog="python -m analytics.bench", description=runner_doc.splitlines()[0])
add_arguments(parser)
raise SystemExit(main_args(parser.parse_args()))
