"""Pages of the sessions topic."""
