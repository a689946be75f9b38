"""Requests to addresses an admin typed in (webhooks), kept away from internal networks (SSRF).

A webhook URL is checked twice: when it is saved, and right before each delivery, since DNS
can change in between. The check resolves the host and refuses the URL when any address it
resolves to is loopback, private, link-local (cloud metadata at 169.254.169.254 included),
multicast, reserved, unspecified or otherwise not global. The delivery then connects to the
address it checked, not to whatever a second lookup would return (no DNS rebinding), while
the Host header, TLS SNI and the certificate check still use the URL's name.
`WEBHOOK_ALLOW_PRIVATE` turns the address check off for tests and on-premises receivers.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from triage.services import DomainError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedURL(DomainError):
    """A URL the app must not request: bad scheme, credentials, or an internal address."""


def is_internal(address: Address) -> bool:
    """True for any address outside the public internet (IPv4 mapped into IPv6 included)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_private or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified or not address.is_global)


def parse(url: str):
    """The parts of an http(s) URL without credentials; BlockedURL otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedURL("A webhook URL starts with http:// or https:// and names a host.")
    if parts.username is not None or parts.password is not None:
        raise BlockedURL("A webhook URL must not carry a user name or password.")
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError as error:
        raise BlockedURL("The port of the webhook URL is not valid.") from error
    return parts


def resolve(host: str, port: int) -> list[Address]:
    """Every address the host stands for (a literal address stands for itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv6 answer may carry a zone ("fe80::1%eth0"); the zone does not change the verdict.
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in found))


class Unresolved(BlockedURL):
    """The host has no address (yet)."""


def checked_addresses(url: str, *, allow_private: bool) -> list[Address]:
    """The addresses a request to `url` may connect to; BlockedURL when any is internal."""
    parts = parse(url)
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise BlockedURL(f"{host} is an internal name; webhooks go to public hosts only.")
    try:
        addresses = resolve(host, port)
    except OSError as error:
        raise Unresolved(f"{host} does not resolve: {error}") from error
    blocked = next((a for a in addresses if is_internal(a)), None)
    if blocked and not allow_private:
        where = f"{host} is" if str(blocked) == host else f"{host} resolves to"
        raise BlockedURL(f"{where} the internal address {blocked}; webhooks go to public hosts only.")
    return addresses


def validate(url: str, *, allow_private: bool) -> None:
    """Refuse a URL on saving. A name that does not resolve yet passes: there is no address
    to judge, and every delivery checks again."""
    parse(url)
    if not allow_private:
        try:
            checked_addresses(url, allow_private=False)
        except Unresolved:
            pass


class PinnedAdapter(HTTPAdapter):
    """Connects HTTPS to an address given in the URL while checking the certificate of `hostname`."""

    def __init__(self, hostname: str):
        self.hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, server_hostname=self.hostname, assert_hostname=self.hostname, **kwargs)


def post(url: str, body: bytes, headers: dict, *, timeout: float, allow_private: bool) -> requests.Response:
    """POST to `url`, connected to the first address that passed the check (no redirects)."""
    parts = parse(url)
    address = checked_addresses(url, allow_private=allow_private)[0]
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{parts.port}" if parts.port else host
    pinned = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    with requests.Session() as session:
        session.mount("https://", PinnedAdapter(parts.hostname))
        return session.post(pinned, data=body, timeout=timeout, allow_redirects=False,
                            headers={**headers, "Host": parts.netloc})
