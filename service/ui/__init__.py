"""The page for people: ``GET /`` (and ``/ui``), plain HTML and JavaScript over the answers API."""
