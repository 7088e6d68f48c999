"""Pages of the signals topic."""
