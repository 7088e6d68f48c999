"""Pages of the context topic."""
