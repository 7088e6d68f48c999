"""Live demos of the routing topic."""
