"""Live demos of the signals topic."""
