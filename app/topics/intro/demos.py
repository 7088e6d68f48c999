"""Live demos of the intro topic."""
