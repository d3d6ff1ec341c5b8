"""The credential pages. Views parse the request, call a selector or a service, and render.

The services enforce every rule (state machine, gates, permissions, stale pages) and explain
refusals; the views only show the explanation.
"""
