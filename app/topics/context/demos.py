"""Live demos of the context topic."""
