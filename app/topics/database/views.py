"""Pages of the database topic."""
