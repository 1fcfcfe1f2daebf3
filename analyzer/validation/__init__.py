"""``monitor-analyzer validate``: a dry run on a sample of the dataset that says what a job would see."""
