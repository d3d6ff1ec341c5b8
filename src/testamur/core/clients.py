"""Who is asking: the client's address, as the trusted reverse proxies in front of us saw it."""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The client's IP address. X-Forwarded-For counts only when the request comes from a
    TRUSTED_PROXIES address: then the client is the last address in it that is not a trusted
    proxy (each proxy appends the address it was reached from, so the ones before it could
    have been written by the client). Empty when there is none (a request made in code)."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if not networks or not _trusted(_address(remote), networks):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        if not _trusted(address, networks):
            return str(address)
    return remote
