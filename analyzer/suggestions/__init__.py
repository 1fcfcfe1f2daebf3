"""Suggested constraints from statistics: a list of small rules."""
