"""The agent UI's views, one module per page or region."""
