"""Finalising learners: completion, withdrawal, cancellation, deferral, transition, status."""
