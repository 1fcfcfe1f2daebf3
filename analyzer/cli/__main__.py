"""``python -m analyzer.cli``: the command line, as the ``monitor-analyzer`` script runs it."""

from analyzer.cli.main import main

main()
