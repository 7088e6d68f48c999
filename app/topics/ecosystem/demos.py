"""Live demos of the ecosystem topic."""
