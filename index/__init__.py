"""boso index: embeddings, FAISS vectors, BM25, SQLite store, search."""
