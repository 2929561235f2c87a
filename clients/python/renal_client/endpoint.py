"""Server URLs ("http://host:port", "https://host[:port]") to gRPC targets and channels."""
from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union
from urllib.parse import urlsplit

import grpc

DEFAULT_PORTS = {"http": 80, "https": 443}
# Room for large label-map downloads; uploads are chunked to 1 MiB anyway.
CHANNEL_OPTIONS: Sequence[Tuple[str, int]] = (
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
)


@dataclass(frozen=True)
class Endpoint:
    secure: bool
    target: str  # host:port as gRPC wants it ([v6]:port for IPv6)

    @classmethod
    def parse(cls, url: str) -> "Endpoint":
        """'http://127.0.0.1:50051' (cleartext HTTP/2), 'https://host' (TLS); bare 'host:port' means http."""
        text = url.strip()
        if "://" not in text:
            text = "http://" + text
        parts = urlsplit(text)
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError(f"server URL {url!r}: scheme must be http or https")
        if not parts.hostname:
            raise ValueError(f"server URL {url!r} has no host")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"server URL {url!r}: gRPC servers are addressed by host and port only")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise ValueError(f"server URL {url!r} has an invalid port") from None
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return cls(secure=parts.scheme == "https", target=f"{host}:{port}")

    def open_channel(self, root_certificates: Union[None, bytes, str, pathlib.Path] = None,
                     client_certificate: Union[None, bytes, str, pathlib.Path] = None,
                     client_key: Union[None, bytes, str, pathlib.Path] = None) -> grpc.Channel:
        if (client_certificate is None) != (client_key is None):
            raise ValueError("client_certificate and client_key go together (both PEM bytes or file paths)")
        if not self.secure:
            if root_certificates is not None or client_certificate is not None:
                raise ValueError("certificates given for an http:// URL; use https:// for TLS")
            return grpc.insecure_channel(self.target, options=list(CHANNEL_OPTIONS))
        credentials = grpc.ssl_channel_credentials(root_certificates=_pem_bytes(root_certificates),
                                                   private_key=_pem_bytes(client_key),
                                                   certificate_chain=_pem_bytes(client_certificate))
        return grpc.secure_channel(self.target, credentials, options=list(CHANNEL_OPTIONS))


def _pem_bytes(pem: Union[None, bytes, str, pathlib.Path]) -> Optional[bytes]:
    """PEM bytes as given, or read from a path; None stays None (for roots: the system's trusted ones)."""
    if pem is None or isinstance(pem, bytes):
        return pem
    path = pathlib.Path(pem)
    try:
        return path.read_bytes()
    except OSError as error:
        raise ValueError(f"certificate or key file {path}: {error.strerror}") from None
