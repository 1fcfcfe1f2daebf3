"""The container's entrypoint (``python -m analyzer.cli.entrypoint``, what /opt/program/analyze runs):
the ``run`` command on this host's part of the job, sized to the container, as the run user."""

from __future__ import annotations

import sys

from analyzer.cli.main import main as commands
from analyzer.runtime.container import run


def main(argv: list[str] | None = None) -> int:
    return run(argv, commands)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
