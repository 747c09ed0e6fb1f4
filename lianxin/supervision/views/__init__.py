"""监督 pages, one module per capability."""
