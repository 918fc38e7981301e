"""HTML reports for people: sections of key figures, tables and SVG charts (no JavaScript, no network)."""
