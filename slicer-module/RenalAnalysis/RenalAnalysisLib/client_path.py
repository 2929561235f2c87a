"""Makes `import renal_client` work: the copy installed with the extension, else the repository checkout."""
from __future__ import annotations

import pathlib
import sys

MODULE_DIR = pathlib.Path(__file__).resolve().parents[1]
CANDIDATES = (
    MODULE_DIR,                                          # built extension: renal_client copied beside the module
    MODULE_DIR.parents[1] / "clients" / "python",        # running from a RenalGrpc checkout (slicer-module/RenalAnalysis)
)
REQUIREMENTS = ("grpcio", "protobuf", "numpy")


def add_client_to_path() -> None:
    for folder in CANDIDATES:
        if (folder / "renal_client" / "__init__.py").exists():
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))
            return


def missing_requirements():
    """The pip names of the requirements that cannot be imported (numpy ships with Slicer; grpcio does not)."""
    missing = []
    for name, module in (("grpcio", "grpc"), ("protobuf", "google.protobuf"), ("numpy", "numpy")):
        try:
            __import__(module)
        except ImportError:
            missing.append(name)
    return missing
