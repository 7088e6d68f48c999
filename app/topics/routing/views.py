"""Pages of the routing topic."""
