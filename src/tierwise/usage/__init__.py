"""Usage: the normalised usage event, CloudEvents and Segment parsing, meters (pure core).

Nothing here reads the clock or does I/O: the time an event was received is a parameter, and the
event store lives in :mod:`tierwise.adapters.event_store`.
"""
