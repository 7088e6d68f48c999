"""Live demos of the database topic."""
