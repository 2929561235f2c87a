"""Builds (if needed) and runs the real RenalGrpc server for tests and benchmarks."""
from __future__ import annotations

import collections
import pathlib
import re
import shutil
import subprocess
import threading
from typing import Deque, List, Optional

SERVER_PROJECT = pathlib.Path("server/RenalGrpc.Server")
SERVER_DLL = SERVER_PROJECT / "bin/Debug/net10.0/linux-x64/RenalGrpc.Server.dll"
LISTENING_LINE = re.compile(r"RenalGrpc server listening on (https?://127\.0\.0\.1:\d+)")
START_TIMEOUT_SECONDS = 90.0


class ServerStartError(RuntimeError):
    pass


class ServerProcess:
    """A started server: `url`, `process`, and the tail of its output for failure messages."""

    def __init__(self, process: subprocess.Popen, url: str, output: Deque[str], errors: Deque[str]) -> None:
        self.process = process
        self.url = url
        self.token: Optional[str] = None
        self._output = output
        self._errors = errors

    @classmethod
    def start(cls, repository_root: pathlib.Path, *arguments: str) -> "ServerProcess":
        dotnet = shutil.which("dotnet")
        if dotnet is None:
            raise ServerStartError("dotnet not found on PATH; the tests need the .NET 10 SDK")
        dll = repository_root / SERVER_DLL
        if not dll.exists():
            build = subprocess.run([dotnet, "build", str(SERVER_PROJECT), "-nologo", "-clp:ErrorsOnly"],
                                   cwd=repository_root, capture_output=True, text=True, check=False)
            if build.returncode != 0 or not dll.exists():
                raise ServerStartError(f"building {SERVER_PROJECT} failed:\n{build.stdout[-4000:]}{build.stderr[-2000:]}")
        command: List[str] = [dotnet, str(dll), "--port", "0", *arguments]
        process = subprocess.Popen(command, cwd=repository_root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, bufsize=1)
        output: Deque[str] = collections.deque(maxlen=200)
        errors: Deque[str] = collections.deque(maxlen=200)
        found: List[str] = []
        listening = threading.Event()

        def read_stdout() -> None:
            for line in process.stdout:  # keep draining so the server never blocks on a full pipe
                output.append(line.rstrip("\n"))
                match = LISTENING_LINE.search(line)
                if match and not listening.is_set():
                    found.append(match.group(1))
                    listening.set()
            listening.set()  # EOF: the server exited

        def read_stderr() -> None:
            for line in process.stderr:
                errors.append(line.rstrip("\n"))

        threading.Thread(target=read_stdout, daemon=True).start()
        threading.Thread(target=read_stderr, daemon=True).start()
        listening.wait(START_TIMEOUT_SECONDS)
        if not found:
            state = "exited with code %s" % process.poll() if process.poll() is not None else \
                f"printed no 'RenalGrpc server listening on ...' line within {START_TIMEOUT_SECONDS:.0f} s"
            server = cls(process, "", output, errors)
            server.stop()
            raise ServerStartError(f"server {' '.join(command)} {state}\n{server.describe_output()}")
        return cls(process, found[0], output, errors)

    def describe_output(self) -> str:
        stderr = "\n".join(self._errors) or "(empty)"
        stdout = "\n".join(list(self._output)[-30:]) or "(empty)"
        return f"--- server stderr ---\n{stderr}\n--- server stdout (last lines) ---\n{stdout}"

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
