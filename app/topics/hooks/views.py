"""Pages of the hooks topic."""
