"""Live demos of the forms topic."""
