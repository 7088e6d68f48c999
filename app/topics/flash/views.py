"""Pages of the flash topic."""
