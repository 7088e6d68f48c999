"""Live demos of the views topic."""
