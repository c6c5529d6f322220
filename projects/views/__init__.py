"""Pages of the projects app, one module per concern: ``projects`` (list, detail, lifecycle)
and ``reports`` (filing, review queue)."""
