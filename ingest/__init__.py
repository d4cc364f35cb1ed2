"""boso ingest: files -> clean pages, metadata, chunks and extracted items."""
