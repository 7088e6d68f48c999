"""Pages of the views topic."""
