"""Live demos of the sessions topic."""
