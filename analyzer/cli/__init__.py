"""The command line: ``monitor-analyzer`` and its subcommands, and the container's entrypoint."""

from analyzer.cli.main import main

__all__ = ["main"]
