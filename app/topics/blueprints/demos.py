"""Live demos of the blueprints topic."""
