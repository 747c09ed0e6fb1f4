"""社情民意 pages, one module per capability."""
