"""Builders and fakes shipped with the package, for tierwise's own tests and for integrators."""
