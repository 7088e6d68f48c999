"""Live demos of the websockets topic."""
