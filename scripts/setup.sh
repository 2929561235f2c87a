#!/usr/bin/env bash
# Installs what RenalGrpc needs on a fresh Debian 12 machine that has the .NET SDK, then builds.
# Safe to run again: packages already present are not reinstalled.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libgdcm-cil             # DICOM decoding (GDCM C# bindings)
  dcmtk                   # independent DICOM cross-checks in tests
  python3-numpy python3-nibabel python3-pydicom python3-scipy   # reference libraries for tests and benchmarks
  python3-pil             # pydicom's JPEG 2000 decoder (the DICOM reference tests compare with it)
  python3-grpcio python3-protobuf python3-pytest                # Python client and its tests
  protobuf-compiler protobuf-compiler-grpc                      # Python stub generation
  libprotobuf-dev                                               # google/protobuf/*.proto (well-known types) for protoc
  fonts-dejavu-core                                             # captions in `renal preview`
  python3-zstandard python3-lz4                                 # optional compressed uploads (Python client tests)
  libinsighttoolkit5-dev                                        # ITK reads back our NIfTI/NRRD files in tests
  python3-torch                                                 # PyTorch reference: state_dict import, training/pytorch
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

CONFIGURATION="${CONFIGURATION:-Debug}"
dotnet build RenalGrpc.sln -c "$CONFIGURATION" -nologo -clp:ErrorsOnly
