"""Custom metrics: the user's ``metrics_handler`` script, computed as mergeable states in the profile pass."""
