"""Pages of the intro topic."""
