"""Model quality: what to evaluate, the metric states, metrics and their constraints."""
