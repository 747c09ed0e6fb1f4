"""评议考核 pages, one module per capability."""
