"""TLS from the Python client: a server certificate from a private CA, and mutual TLS (--tls-client-ca).

Certificates are made per test session with the openssl command-line tool (a CA, a server
certificate for 127.0.0.1, a client certificate from the same CA and one from a stranger CA).
"""
import pathlib
import shutil
import subprocess

import grpc
import numpy as np
import pytest

from renal_client import Geometry, RenalClient, RenalError
from server_process import ServerProcess

REPOSITORY_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _openssl(*arguments: str, cwd: pathlib.Path) -> None:
    subprocess.run(["openssl", *arguments], cwd=cwd, check=True, capture_output=True)


def _make_ca(folder: pathlib.Path, name: str) -> None:
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2", "-subj", f"/CN=renal test {name}",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=folder)


def _make_leaf(folder: pathlib.Path, name: str, ca: str, extensions: str) -> None:
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN=renal test {name}", cwd=folder)
    (folder / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.crt", "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext", cwd=folder)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    folder = tmp_path_factory.mktemp("pki")
    _make_ca(folder, "ca")
    _make_ca(folder, "stranger-ca")
    _make_leaf(folder, "server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    _make_leaf(folder, "client", "ca", "extendedKeyUsage=clientAuth\n")
    _make_leaf(folder, "stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n")
    return folder


@pytest.fixture(scope="module")
def mtls_server(pki):
    process = ServerProcess.start(REPOSITORY_ROOT, "--model", str(REPOSITORY_ROOT / "artifacts" / "no-model-here"),
                                  "--tls-cert", str(pki / "server.crt"), "--tls-key", str(pki / "server.key"),
                                  "--tls-client-ca", str(pki / "ca.crt"))
    yield process
    process.stop()


def small_study(seed):
    volume = np.random.default_rng(seed).integers(-1000, 1000, (4, 16, 16)).astype(np.int16)
    return {"N": (volume, Geometry((0.8, 0.8, 2.5), (0.0, 0.0, 0.0)))}


def test_client_with_a_certificate_from_the_trusted_ca_uploads(mtls_server, pki):
    assert mtls_server.url.startswith("https://127.0.0.1:")
    with RenalClient(mtls_server.url, root_certificates=pki / "ca.crt", client_certificate=pki / "client.crt",
                     client_key=(pki / "client.key").read_bytes(), timeout=20) as member:
        assert member.server_info()["limits"]["max_chunk_bytes"] == 1 << 20
        result = member.upload_study(small_study(seed=1))
        assert result.study_id in member.list_studies().study_ids


@pytest.mark.parametrize("credentials", ["none", "stranger"])
def test_client_without_a_trusted_certificate_is_refused(mtls_server, pki, credentials):
    extra = {} if credentials == "none" else {"client_certificate": pki / "stranger.crt", "client_key": pki / "stranger.key"}
    with RenalClient(mtls_server.url, root_certificates=pki / "ca.crt", timeout=10, **extra) as outsider:
        with pytest.raises(RenalError) as caught:
            outsider.list_studies()
    # The TLS handshake fails, so no call reaches the server: the channel reports UNAVAILABLE.
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE


def test_certificate_and_key_go_together_and_need_https(pki):
    with pytest.raises(ValueError, match="together"):
        RenalClient("https://127.0.0.1:1", client_certificate=pki / "client.crt")
    with pytest.raises(ValueError, match="https"):
        RenalClient("http://127.0.0.1:1", client_certificate=pki / "client.crt", client_key=pki / "client.key")
