"""Scheduled monitoring outside (and for) SageMaker: cron ticks, windows, executions, history."""
