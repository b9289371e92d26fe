"""No test may reach the network: one guard for pytest and for notebook kernels.

`install()` makes every connection to a non-loopback address, and every DNS
lookup of a name other than this machine's own, raise `NetworkBlocked`.
Loopback stays allowed: the browser test serves the book on 127.0.0.1, and
nbval talks to its kernels over it. tests/conftest.py installs the guard in
pytest's process; tests/ipython/profile_default/startup/00-no-network.py
installs it in every kernel nbval starts (scripts/test.sh sets IPYTHONDIR).
"""
import ipaddress
import socket


class NetworkBlocked(RuntimeError):
    """Raised when code under test tries to reach the network."""


def _is_local(host):
    if isinstance(host, bytes):
        host = host.decode()
    if host is None or host in {"localhost", "localhost.localdomain", socket.gethostname()}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_numeric(host):
    try:
        ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host)
        return True
    except ValueError:
        return False


def _blocked(what):
    return NetworkBlocked(f"code under test may not reach the network (tried {what!r}); "
                          f"see tests/network_guard.py")


def install():
    """Block the network in this process; returns a function that undoes it."""
    real = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def guarded(real_method):
        def method(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
                raise _blocked(address)
            return real_method(sock, address)
        return method

    def getaddrinfo(host, *args, **kwargs):
        # A name (not a numeric address) would be looked up over the network.
        if not _is_local(host) and not _is_numeric(host):
            raise _blocked(host)
        return real[2](host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = guarded(real[0]), guarded(real[1])
    socket.getaddrinfo = getaddrinfo

    def uninstall():
        socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = real
    return uninstall
