"""Reading a baseline: constraints.json and statistics.json, their kinds, overrides and settings."""
