"""IPython start-up file for the kernels that nbval starts: no network.

tests/conftest.py blocks the network in pytest's own process, but nbval runs
each notebook in a separate kernel process. scripts/test.sh points the nbval
run at this directory (IPYTHONDIR=tests/ipython), so every kernel runs this
file first: a connection to any non-loopback address, or a DNS lookup of any
name but this machine's own, raises NetworkBlocked. Loopback stays allowed
(the kernel and nbval talk over 127.0.0.1; the Trainer never needs more).
"""


def _install_network_guard():
    # Everything lives in here, so the notebook's namespace gains no names.
    import ipaddress as _ipaddress
    import socket as _socket

    class NetworkBlocked(RuntimeError):
        """Raised when a notebook under test tries to reach the network."""

    real_connect, real_connect_ex = _socket.socket.connect, _socket.socket.connect_ex
    real_getaddrinfo = _socket.getaddrinfo
    local_names = {"localhost", "localhost.localdomain", _socket.gethostname()}

    def is_local(host):
        if isinstance(host, bytes):
            host = host.decode()
        if host is None or host in local_names:
            return True
        try:
            return _ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def blocked(what):
        return NetworkBlocked(f"notebooks under test may not reach the network (tried {what!r}); "
                              f"see tests/ipython/profile_default/startup/00-no-network.py")

    def connect(sock, address):
        if sock.family in (_socket.AF_INET, _socket.AF_INET6) and not is_local(address[0]):
            raise blocked(address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if sock.family in (_socket.AF_INET, _socket.AF_INET6) and not is_local(address[0]):
            raise blocked(address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        # A name (not a numeric address) would be looked up over the network.
        if not is_local(host):
            try:
                _ipaddress.ip_address(host.decode() if isinstance(host, bytes) else host)
            except ValueError:
                raise blocked(host) from None
        return real_getaddrinfo(host, *args, **kwargs)

    _socket.socket.connect, _socket.socket.connect_ex = connect, connect_ex
    _socket.getaddrinfo = getaddrinfo


_install_network_guard()
del _install_network_guard
