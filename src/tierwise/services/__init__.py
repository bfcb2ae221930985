"""Use cases: commands and handlers over a unit of work, and the ports adapters implement."""
