"""Live demos of the hooks topic."""
