"""The guard of network_guard.py is on in pytest's own process."""
import socket
import urllib.request

import pytest

from network_guard import NetworkBlocked


def test_a_download_fails_loudly():
    with pytest.raises(NetworkBlocked, match="may not reach the network"):
        urllib.request.urlopen("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", timeout=5)


def test_a_raw_address_is_blocked_but_loopback_is_not():
    with socket.socket() as sock, pytest.raises(NetworkBlocked):
        sock.connect(("93.184.216.34", 80))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
