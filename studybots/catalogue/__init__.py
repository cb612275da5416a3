"""The editor-owned catalogue: table schema, loading and validation."""
