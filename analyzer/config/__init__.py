"""The job's configuration: the environment contract, formats, window, settings and their defaults, names."""
