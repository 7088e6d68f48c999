"""Live demos of the templating topic."""
