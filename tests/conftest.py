"""Shared test set-up: no test may reach the network.

A download that a test triggers by accident must fail loudly rather than
quietly fetch Fashion-MNIST, so every socket connection to a non-loopback
address raises. The browser test serves the book on 127.0.0.1, which stays
allowed.
"""
import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect


class NetworkBlocked(RuntimeError):
    """Raised when a test tries to open a connection off this machine."""


def _is_loopback(address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise NetworkBlocked(f"tests may not reach the network (tried {address!r})")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True, scope="session")
def _block_network():
    socket.socket.connect = _guarded_connect
    yield
    socket.socket.connect = _real_connect
