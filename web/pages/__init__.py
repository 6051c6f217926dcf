"""One module per area of the web front; each exposes its routes."""
