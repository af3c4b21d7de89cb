"""CURVE keys for the compute sockets: generation, loading, the loopback rule, the ZAP allow-list.

Binding a socket to anything but loopback (``tcp://127.x.x.x``, ``tcp://localhost``,
``tcp://[::1]``, ``ipc://``, ``inproc://``) requires CURVE: a server secret key, and the
public keys of the clients (and workers) allowed in. A key in a config is either the 40-char
Z85 text of a key or the path of a key file written by ``flotilla keys``.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import zmq
import zmq.auth
from zmq.auth.thread import ThreadAuthenticator

from core.errors import ConfigError

__all__ = [
    "CurveAllowList",
    "generate_keys",
    "is_loopback",
    "load_public_key",
    "load_secret_key",
]


def is_loopback(address: str) -> bool:
    """Return whether a ZeroMQ endpoint is reachable from this host only."""
    if address.startswith(("ipc://", "inproc://")):
        return True
    if not address.startswith("tcp://"):
        return False
    host = address[len("tcp://") :].rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # "*", an interface name or a host name: not provably loopback


def generate_keys(directory: str | os.PathLike, name: str) -> tuple[Path, Path]:
    """Write a CURVE key pair ``<name>.key`` (public) and ``<name>.key_secret``; return paths.

    Raises
    ------
    ConfigError
        If `name` is not a plain file name or the files exist already.
    """
    if not name or Path(name).name != name:
        raise ConfigError(f"flotilla keys: name {name!r} invalid, expected a plain file name")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    public = directory / f"{name}.key"
    secret = directory / f"{name}.key_secret"
    for path in (public, secret):
        if path.exists():
            raise ConfigError(f"flotilla keys: {path} exists, expected a new name or directory")
    public_file, secret_file = zmq.auth.create_certificates(str(directory), name)
    os.chmod(secret_file, 0o600)
    return Path(public_file), Path(secret_file)


def _is_z85_key(text: str) -> bool:
    return len(text) == 40 and os.sep not in text


def load_public_key(value: str, where: str) -> bytes:
    """Return a Z85 public key given as text or as a key file path."""
    if _is_z85_key(value):
        return value.encode("ascii")
    try:
        public, _ = zmq.auth.load_certificate(value)
    except (OSError, ValueError) as err:
        raise ConfigError(
            f"{where}: {value!r} is neither a 40-char Z85 key nor a readable key file ({err})"
        ) from err
    return public


def load_secret_key(path: str, where: str) -> tuple[bytes, bytes]:
    """Return ``(public, secret)`` from a ``.key_secret`` file."""
    try:
        public, secret = zmq.auth.load_certificate(path)
    except (OSError, ValueError) as err:
        raise ConfigError(f"{where}: cannot read the secret key file {path!r} ({err})") from err
    if secret is None:
        raise ConfigError(
            f"{where}: {path!r} holds no secret key, expected the '.key_secret' file of "
            f"flotilla keys"
        )
    return public, secret


class _Credentials:
    """ZAP callback: a public key is allowed if it is on its ZAP domain's list."""

    def __init__(self, allowed: dict[str, set[bytes]]) -> None:
        self.allowed = allowed
        self.denied = 0

    def callback(self, domain: str, key: bytes) -> bool:
        ok = key in self.allowed.get(domain, ())
        if not ok:
            self.denied += 1
        return ok


class CurveAllowList:
    """A ZAP authenticator thread admitting listed public keys per ZAP domain.

    Parameters
    ----------
    context : zmq.Context
    allowed : dict[str, set[bytes]]
        ZAP domain -> Z85 public keys admitted (server sockets set ``zap_domain``).
    """

    def __init__(self, context: zmq.Context, allowed: dict[str, set[bytes]]) -> None:
        self._credentials = _Credentials(allowed)
        self._auth = ThreadAuthenticator(context)
        self._auth.start()
        for domain in allowed:
            self._auth.configure_curve_callback(domain, credentials_provider=self._credentials)

    @property
    def denied(self) -> int:
        """How many connection attempts were refused."""
        return self._credentials.denied

    def stop(self) -> None:
        self._auth.stop()


def make_curve_server(socket: zmq.Socket, secret_key: bytes, domain: str) -> None:
    """Make `socket` a CURVE server in ZAP domain `domain` (set before bind)."""
    socket.curve_secretkey = secret_key
    socket.curve_server = True
    socket.zap_domain = domain.encode()


def make_curve_client(
    socket: zmq.Socket, public_key: bytes, secret_key: bytes, server_key: bytes
) -> None:
    """Make `socket` a CURVE client of the server with public key `server_key` (before connect)."""
    socket.curve_publickey = public_key
    socket.curve_secretkey = secret_key
    socket.curve_serverkey = server_key
