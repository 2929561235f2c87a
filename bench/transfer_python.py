#!/usr/bin/python3
"""Upload throughput of the Python client: four 512x512x200 int16 phases (~420 MB) from numpy.

    /usr/bin/python3 bench/transfer_python.py [--url http://127.0.0.1:50051] [--repeat 2] [--slices 200]
    /usr/bin/python3 bench/transfer_python.py --url URL --download STUDY_ID [--repeat 5]

Without --url it builds (if needed) and starts the real server on a free port, with a memory
budget that fits the study, and stops it at the end. Each run uploads a fresh study (the content
differs per run, so the server's dedupe never short-circuits it) and deletes it afterwards.
Prints one line per mode: hashing + FindStudy time, streaming time and MB/s (1 MB = 10^6 bytes), wire bytes.
With --download it instead times get_segmentation of an analysed study (the only volume download in the
contract) and prints the median MB/s.
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import numpy as np

REPOSITORY_ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY_ROOT / "clients" / "python"))
sys.path.insert(0, str(REPOSITORY_ROOT / "tests" / "python"))

from renal_client import Geometry, RenalClient  # noqa: E402
from server_process import ServerProcess  # noqa: E402


def synthetic_phases(slices: int, run: int) -> dict:
    """CT-like int16 volumes: air outside a body ellipse, noisy soft tissue inside (compressible like real CT)."""
    rng = np.random.default_rng(run)
    k, j, i = slices, 512, 512
    jj, ii = np.mgrid[0:j, 0:i]
    body = ((ii - 256) / 220.0) ** 2 + ((jj - 256) / 170.0) ** 2 < 1.0
    phases = {}
    for offset, name in enumerate("NAPD"):
        volume = np.full((k, j, i), -1000, np.int16)
        tissue = rng.normal(40 + 60 * offset, 20, (k, int(body.sum()))).astype(np.int16)
        volume[:, body] = tissue
        volume[0, 0, 0] = run  # makes every run's study distinct
        phases[name] = (volume, Geometry((0.78, 0.78, 2.5), (-200.0, -200.0, 100.0 + offset)))
    return phases


def upload_once(client: RenalClient, slices: int, run: int, compression) -> dict:
    phases = synthetic_phases(slices, run)
    total = sum(v.nbytes for v, _ in phases.values())
    first_chunk = []  # progress(0, total) comes right after the header: streaming starts there
    started = time.perf_counter()
    result = client.upload_study(phases, compression=compression,
                                 progress=lambda sent, _: first_chunk or first_chunk.append(time.perf_counter()))
    finished = time.perf_counter()
    assert not result.already_stored, "benchmark study was already stored"
    client.delete_study(result.study_id)
    return {"bytes": total, "wire": sum(result.bytes_received.values()), "hash_s": first_chunk[0] - started,
            "upload_s": finished - first_chunk[0], "total_s": finished - started}


def download(url: str, study_id: str, repeat: int) -> int:
    with RenalClient(url, timeout=600) as client:
        client.get_segmentation(study_id)  # warm-up
        seconds, size = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            labels = client.get_segmentation(study_id)
            seconds.append(time.perf_counter() - started)
            size = labels.labels.nbytes
    print(f"GetSegmentation {size / 1e6:.0f} MB: median {size / 1e6 / statistics.median(seconds):.0f} MB/s, "
          f"best {size / 1e6 / min(seconds):.0f} MB/s over {repeat}")
    return 0


def main(argv: list) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an already running server (default: start one)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--slices", type=int, default=200)
    parser.add_argument("--download", metavar="STUDY_ID", help="time get_segmentation of this analysed study instead")
    options = parser.parse_args(argv)
    if options.download:
        if options.url is None:
            parser.error("--download needs --url (a server with the model that analysed the study)")
        return download(options.url, options.download, options.repeat)
    modes = [None]
    try:
        import zstandard  # noqa: F401
        modes.append("zstd")
    except ImportError:
        print("zstd: skipped (no zstandard module; apt install python3-zstandard)")
    server = None
    if options.url is None:
        server = ServerProcess.start(REPOSITORY_ROOT, "--memory-budget-mb", "2048")
    url = options.url or server.url
    try:
        with RenalClient(url, timeout=60) as client:
            print(f"server {url}: {client.server_info()['server_version']}")
            print(f"{'mode':6} {'MB':>7} {'wire MB':>8} {'hash s':>7} {'upload s':>9} {'MB/s':>8} {'MB/s incl. hash':>16}")
            for mode in modes:
                runs = [upload_once(client, options.slices, 1000 * (mode is not None) + run, mode)
                        for run in range(options.repeat)]
                for r in runs:
                    print(f"{mode or 'raw':6} {r['bytes'] / 1e6:7.1f} {r['wire'] / 1e6:8.1f} {r['hash_s']:7.2f} "
                          f"{r['upload_s']:9.2f} {r['bytes'] / 1e6 / r['upload_s']:8.0f} "
                          f"{r['bytes'] / 1e6 / r['total_s']:16.0f}")
                rates = [r["bytes"] / 1e6 / r["upload_s"] for r in runs]
                print(f"{mode or 'raw':6} median upload {statistics.median(rates):.0f} MB/s, best {max(rates):.0f} MB/s")
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
