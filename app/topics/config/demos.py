"""Live demos of the config topic."""
