"""Live demos of the middleware topic."""
