"""Adapters: files, SQL storage, crypto and other I/O, each implementing a port of the services."""
