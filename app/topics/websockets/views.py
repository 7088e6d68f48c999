"""Pages of the websockets topic."""
