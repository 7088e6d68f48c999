"""Pages of the templating topic."""
