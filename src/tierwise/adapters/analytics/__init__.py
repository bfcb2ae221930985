"""The analytics engine: signals over the event store with Ibis (DuckDB, Spark, a warehouse)."""
