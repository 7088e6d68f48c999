"""Pages of the config topic."""
