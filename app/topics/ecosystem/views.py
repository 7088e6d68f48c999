"""Pages of the ecosystem topic."""
