"""The edge: HTTP routes, the command line and HTML pages."""
