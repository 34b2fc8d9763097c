"""The live layer: committed engine events pushed to WebSocket pages (see docs/monitoring.md)."""
