"""Pages of the middleware topic."""
