"""Run in a render child's confinement (no Django here: the child imports this module)."""

import socket

from testamur.credentials.rendering import bounded


def sockets_in_a_render_child(conn) -> None:
    """Send back which sockets a confined child could open (errno when refused)."""
    bounded._confine(512)
    outcome = {}
    for name, family in (("internet", socket.AF_INET), ("ipv6", socket.AF_INET6)):
        try:
            socket.socket(family, socket.SOCK_STREAM).close()
            outcome[name] = "opened"
        except OSError as error:
            outcome[name] = error.errno
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
    outcome["local"] = "opened"
    conn.send(outcome)
