"""Input files listed and split, URIs fetched and published, output files written atomically."""
