"""Front ends: the command line and the HTTP service."""
