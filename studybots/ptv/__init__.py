"""PTV (Palvelutietovaranto, the Finnish national service catalogue): project records, an API v11 reader, an HTTP client and the importer."""
