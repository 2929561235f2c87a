#!/usr/bin/env bash
# The main job. Installs what it needs, builds, then does the most useful thing RenalGrpc can do
# today: the diagnosis model is not built yet (Analyze answers UNIMPLEMENTED), so the demo makes a
# synthetic four-phase renal CT study, inspects and previews it, converts its ground truth for 3D
# Slicer, starts the gRPC server and uploads the study to it with the `renal` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
RENAL="dotnet clients/RenalGrpc.Cli/bin/Debug/net10.0/linux-x64/renal.dll"
SERVER_DLL=server/RenalGrpc.Server/bin/Debug/net10.0/linux-x64/RenalGrpc.Server.dll
OUT="${OUT:-out/demo}"
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== 1. a synthetic four-phase study (N, A, P, D; each phase its own scan)"
$RENAL phantom --out "$OUT/data" --cases 1 --seed 2026 --balance uniform --normal-fraction 0
CASE="$OUT/data/case_00000"
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('ground truth subtype:', d['subtype'], '| lesions:', len(d['lesions']))" "$CASE/case.json"

echo
echo "== 2. renal inspect (nephrographic phase)"
$RENAL inspect "$CASE/imaging_P.nii.gz"

echo
echo "== 3. renal preview: one slice per phase through the largest lesion"
$RENAL preview "$CASE" --out "$OUT/preview.png"

echo
echo "== 4. ground truth as a Slicer segmentation (.seg.nrrd, KiTS23 names and SNOMED codes)"
$RENAL convert "$CASE/segmentation_P.nii.gz" "$OUT/segmentation_P.seg.nrrd"

echo
echo "== 5. the gRPC server on a free loopback port"
LOG="$OUT/server.log"
dotnet "$SERVER_DLL" --port 0 > "$OUT/server.out" 2> "$LOG" &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^RenalGrpc server listening on \(.*\)$/\1/p' "$OUT/server.out" | head -1)
  [ -n "$URL" ] && break
  kill -0 $SERVER_PID 2>/dev/null || { echo "server failed to start:"; cat "$LOG"; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "server did not report its address"; exit 1; }
echo "server at $URL"
$RENAL info --server "$URL"

echo
echo "== 6. upload the study (all four phases, SHA-256 verified by the server)"
$RENAL upload --server "$URL" --phase N="$CASE/imaging_N.nii.gz" --phase A="$CASE/imaging_A.nii.gz" \
  --phase P="$CASE/imaging_P.nii.gz" --phase D="$CASE/imaging_D.nii.gz"
$RENAL studies --server "$URL"

echo
echo "Outputs in $OUT/: data/ (the study), preview.png, segmentation_P.seg.nrrd (open in 3D Slicer)."
echo "The diagnosis engine (segmentation + subtype model) is not built yet; see README.md."
