"""Checking current statistics against a baseline: constraint violations and drift."""
