"""boso api: the FastAPI app, web interface and the `boso` CLI."""
