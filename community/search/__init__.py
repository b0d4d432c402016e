"""Search over threads and posts (README "Search")."""
