"""Where a job runs: Spark and the processes it starts, the task runner, SIGTERM, the container, local jobs."""
