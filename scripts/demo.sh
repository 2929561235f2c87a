#!/usr/bin/env bash
# The main job. Installs what it needs, builds, then runs the most useful thing RenalGrpc can do
# today. The diagnosis engine (segmentation + subtype model) is not built yet, so this demo
# reads a real CT (pydicom's CT_small.dcm from Debian's python3-pydicom), shows its geometry,
# converts it to NIfTI and NRRD keeping the geometry exactly, and checks the round trip.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
RENAL="dotnet clients/RenalGrpc.Cli/bin/Debug/net10.0/linux-x64/renal.dll"
OUT="${OUT:-out/demo}"
mkdir -p "$OUT"

CT=/usr/lib/python3/dist-packages/pydicom/data/test_files/CT_small.dcm
echo "== renal inspect (DICOM, rescaled to HU)"
$RENAL inspect "$CT"
echo
echo "== renal convert DICOM -> NIfTI and NRRD"
$RENAL convert "$CT" "$OUT/ct.nii.gz"
$RENAL convert "$OUT/ct.nii.gz" "$OUT/ct.nrrd"
echo
echo "== renal inspect the NRRD written from the NIfTI (same geometry and values)"
$RENAL inspect "$OUT/ct.nrrd"
echo
echo "Outputs are in $OUT/. The diagnosis model is not built yet: see README.md for what works today."
