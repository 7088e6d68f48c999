"""Live demos of the flash topic."""
