"""The service data model (PTV-shaped), its database build, and search."""
