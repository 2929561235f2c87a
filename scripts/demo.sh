#!/usr/bin/env bash
# The main job. Installs what it needs, builds, starts the gRPC server with the default model
# (models/default, trained on synthetic studies: see MODEL.md), generates a synthetic four-phase
# renal CT study, analyses it through the server (segmentation + per-lesion subtype diagnosis),
# prints the diagnosis and writes the segmentation (NIfTI and Slicer .seg.nrrd), the report and
# a preview with the predicted contours.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
RENAL="dotnet clients/RenalGrpc.Cli/bin/Debug/net10.0/linux-x64/renal.dll"
SERVER_DLL=server/RenalGrpc.Server/bin/Debug/net10.0/linux-x64/RenalGrpc.Server.dll
OUT="${OUT:-out/demo}"
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== 1. a synthetic four-phase study (N, A, P, D; each phase its own scan)"
# Seed 2027: a 32 mm-radius ccRCC in the right kidney. (The default model misses tumors
# under about 1 cm radius, see MODEL.md; seed 2026's 6.6 mm tumor shows only "no lesions found".)
$RENAL phantom --out "$OUT/data" --cases 1 --seed 2027 --balance uniform --normal-fraction 0
CASE="$OUT/data/case_00000"
/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('ground truth subtype:', d['subtype'], '| lesions:', ', '.join(f\"{l['kind']} {l.get('subtype') or ''} radius {l['radius_mm']:.0f} mm {l['side']}\" for l in d['lesions']))" "$CASE/case.json"

echo
echo "== 2. the gRPC server with the default model, on a free loopback port"
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
# The model loads in the background; Analyze answers UNAVAILABLE until it has.
for _ in $(seq 1 120); do
  $RENAL info --server "$URL" > "$OUT/info.txt" 2>&1 && ! grep -q "not loaded" "$OUT/info.txt" && break
  sleep 0.5
done
cat "$OUT/info.txt"

echo
echo "== 3. renal analyze: upload the four phases, segment, align, classify every lesion"
$RENAL analyze --server "$URL" --phase N="$CASE/imaging_N.nii.gz" --phase A="$CASE/imaging_A.nii.gz" \
  --phase P="$CASE/imaging_P.nii.gz" --phase D="$CASE/imaging_D.nii.gz" \
  --out-seg "$OUT/segmentation.nii.gz" --out-report "$OUT/report.json"
REF=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['referencePhase'])" "$OUT/report.json")

echo
echo "== 4. outputs for 3D Slicer and a preview of the predicted contours (reference phase $REF)"
$RENAL convert "$OUT/segmentation.nii.gz" "$OUT/segmentation.seg.nrrd"
$RENAL preview --phase "$REF=$CASE/imaging_$REF.nii.gz" --labels "$REF=$OUT/segmentation.nii.gz" --out "$OUT/preview.png"

echo
echo "Outputs in $OUT/: segmentation.nii.gz and segmentation.seg.nrrd (reference-phase grid; open in 3D Slicer),"
echo "report.json (the diagnosis), preview.png, data/ (the generated study with its ground truth)."
echo "Weights trained on synthetic data: research software, not for clinical use."
