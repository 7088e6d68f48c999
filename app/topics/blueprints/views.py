"""Pages of the blueprints topic."""
