"""Pages of the forms topic."""
