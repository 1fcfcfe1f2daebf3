"""Errors, message text, logging set-up and number text that every stage shares."""
