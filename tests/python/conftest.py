"""Shared fixtures: the renal_client package on sys.path and the real RenalGrpc server as a child process."""
from __future__ import annotations

import os
import pathlib
import sys

import pytest

REPOSITORY_ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY_ROOT / "clients" / "python"))

from server_process import ServerProcess  # noqa: E402  (needs the path above)


def _require_server_project() -> None:
    # Only a checkout without the server project skips; a server that fails to build or start fails.
    if not list((REPOSITORY_ROOT / "server" / "RenalGrpc.Server").glob("*.csproj")):
        pytest.skip("server/RenalGrpc.Server is not in this checkout")


@pytest.fixture(scope="session")
def server():
    """One plain server (no auth, no model: the --model folder does not exist) for the whole session."""
    _require_server_project()
    process = ServerProcess.start(REPOSITORY_ROOT, "--model", str(REPOSITORY_ROOT / "artifacts" / "no-model-here"))
    yield process
    process.stop()


@pytest.fixture(scope="session")
def server_with_token():
    _require_server_project()
    process = ServerProcess.start(REPOSITORY_ROOT, "--token", "s3cret-token")
    process.token = "s3cret-token"
    yield process
    process.stop()


def default_model_folder() -> pathlib.Path:
    """models/default of this checkout (the server's build copies it beside the dll); RENAL_TEST_MODEL overrides."""
    return pathlib.Path(os.environ.get("RENAL_TEST_MODEL") or REPOSITORY_ROOT / "models" / "default")


@pytest.fixture(scope="session")
def server_with_model():
    """A server with the trained default model; skips only when the model folder is not in this checkout."""
    _require_server_project()
    model = default_model_folder()
    if not model.is_dir():
        pytest.skip(f"no trained model at {model} (models/default is committed with the default weights)")
    process = ServerProcess.start(REPOSITORY_ROOT, "--model", str(model))
    try:
        _wait_for_model(process)
        yield process
    finally:
        process.stop()


def _wait_for_model(process: ServerProcess, seconds: float = 180.0) -> None:
    """The server listens before its worker has loaded the model; Analyze is UNAVAILABLE until then."""
    import time

    from renal_client import RenalClient

    deadline = time.monotonic() + seconds
    with RenalClient(process.url, timeout=30) as connection:
        while not connection.server_info()["model"]["loaded"]:
            if time.monotonic() > deadline or not process.is_running():
                pytest.fail(f"the model was not loaded within {seconds:.0f} s:\n{process.describe_output()}")
            time.sleep(0.5)


@pytest.fixture
def client(server):
    from renal_client import RenalClient

    with RenalClient(server.url, timeout=20) as connection:
        yield connection
