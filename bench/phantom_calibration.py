#!/usr/bin/python3
"""Difficulty calibration of the synthetic renal studies (DATASET.md).

Generates a uniform-balance dataset with the built `renal` CLI (or reads an existing one), takes
each case's tumor mean HU in N, A, P, D from the true masks (label 2 of each phase's own
segmentation), and fits a multinomial logistic regression (numpy, gradient descent,
standardised features) with 5-fold cross-validation. Prints the macro one-vs-rest AUC, which
should be roughly 0.85-0.92 (0.97+ means the task is too easy). numpy + nibabel only.

usage: phantom_calibration.py [--renal PATH] [--cases 120] [--seed 7] [--data DIR] [--keep]
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy as np
import nibabel as nib

SUBTYPES = ["ccRCC", "pRCC", "chRCC", "oncocytoma", "AML"]
PHASES = "NAPD"


def features(case_dir):
    values = []
    for phase in PHASES:
        image = np.asarray(nib.load(os.path.join(case_dir, f"imaging_{phase}.nii.gz")).dataobj)
        labels = np.asarray(nib.load(os.path.join(case_dir, f"segmentation_{phase}.nii.gz")).dataobj)
        tumor = labels == 2
        if not tumor.any():
            return None
        values.append(float(image[tumor].mean()))
    return values


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(x, y, classes, steps=3000, rate=0.5, l2=1e-3):
    w = np.zeros((x.shape[1], classes))
    b = np.zeros(classes)
    onehot = np.eye(classes)[y]
    for _ in range(steps):
        p = softmax(x @ w + b)
        g = (p - onehot) / len(y)
        w -= rate * (x.T @ g + l2 * w)
        b -= rate * g.sum(axis=0)
    return w, b


def auc(score, positive):
    # Mann-Whitney U with average ranks for ties.
    order = np.argsort(score)
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    i = 0
    while i < len(score):
        j = i
        while j + 1 < len(score) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n_pos, n_neg = positive.sum(), (~positive).sum()
    return (ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def cross_validated_auc(x, y, folds=5, seed=0):
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    probabilities = np.zeros((len(y), len(SUBTYPES)))
    for f in range(folds):
        test = order[f::folds]
        train = np.setdiff1d(order, test)
        mean, sd = x[train].mean(axis=0), x[train].std(axis=0) + 1e-9
        w, b = fit((x[train] - mean) / sd, y[train], len(SUBTYPES))
        probabilities[test] = softmax(((x[test] - mean) / sd) @ w + b)
    per_class = [auc(probabilities[:, c], y == c) for c in range(len(SUBTYPES))]
    return float(np.mean(per_class)), per_class


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--renal", default="clients/RenalGrpc.Cli/bin/Debug/net10.0/linux-x64/renal")
    parser.add_argument("--cases", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data")
    args = parser.parse_args()
    data = args.data or tempfile.mkdtemp(prefix="phantom_calibration_")
    if not os.path.exists(os.path.join(data, "dataset.json")):
        subprocess.run([args.renal, "phantom", "--out", data, "--cases", str(args.cases), "--seed", str(args.seed),
                        "--balance", "uniform", "--cyst-fraction", "0.2"], check=True, stdout=subprocess.DEVNULL)
    xs, ys = [], []
    for name in sorted(os.listdir(data)):
        case_dir = os.path.join(data, name)
        if not name.startswith("case_"):
            continue
        meta = json.load(open(os.path.join(case_dir, "case.json")))
        if meta["subtype"] is None:
            continue
        f = features(case_dir)
        if f is not None:
            xs.append(f)
            ys.append(SUBTYPES.index(meta["subtype"]))
    x, y = np.array(xs), np.array(ys)
    macro, per_class = cross_validated_auc(x, y)
    print(f"cases with a tumor: {len(y)}  (per subtype {np.bincount(y, minlength=5).tolist()})")
    for c, name in enumerate(SUBTYPES):
        print(f"  {name:11s} mean HU N/A/P/D {np.round(x[y == c].mean(axis=0)).astype(int).tolist()}  one-vs-rest AUC {per_class[c]:.3f}")
    print(f"macro one-vs-rest AUC (4 per-phase mean HU, multinomial logistic regression, 5-fold CV): {macro:.3f}")
    print(f"data: {data}")


if __name__ == "__main__":
    sys.exit(main())
