#!/usr/bin/env python3
"""D1 for pandas + scikit-learn: the same CSV read with pandas.read_csv, transformed by the pipeline
blasnet's preprocessor mirrors (median imputation + standardization for numbers, a "missing" category +
one-hot for text) and scored by an MLPClassifier of the same shape, all fitted first on the same first
rows (untimed). Prints one BENCH_RESULT line like the other peers."""
import json
import os
import resource
import sys
import time
import warnings

warnings.filterwarnings('ignore')
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import sklearn  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

TAG = 'BENCH_RESULT '


def main():
    task = json.loads(sys.argv[1])
    c, f = task['cfg'], task['files']['d1']
    path = f['path']
    sample = pd.read_csv(path, nrows=c['sampleRows'])
    num = [k for k in sample.columns if k.startswith('n')]
    cat = [k for k in sample.columns if k.startswith('c')]
    pipe = ColumnTransformer([
        ('num', make_pipeline(SimpleImputer(strategy='median'), StandardScaler()), num),
        ('cat', make_pipeline(SimpleImputer(strategy='constant', fill_value='(missing)'), OneHotEncoder(handle_unknown='ignore')), cat),
    ])
    xs = pipe.fit_transform(sample)
    clf = MLPClassifier(hidden_layer_sizes=(c['hidden'],), max_iter=c['epochs'], batch_size=64, random_state=7).fit(xs, sample['y'])
    rates, mbs = [], []
    rows = 0
    for _ in range(task['runs']):
        t0 = time.perf_counter()
        df = pd.read_csv(path)
        p = clf.predict_proba(pipe.transform(df))
        s = time.perf_counter() - t0
        rows = len(df)
        rates.append(rows / s)
        mbs.append(os.path.getsize(path) / 2 ** 20 / s)
        del df, p
    ok = rows == f['rows']
    print(TAG + json.dumps({
        'rates': rates, 'mbPerS': mbs, 'maxRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'check': {'ok': ok, 'detail': f'predicted {rows} rows of {f["rows"]}'},
        'versions': {'pandas': pd.__version__, 'sklearn': sklearn.__version__, 'numpy': np.__version__},
    }))


try:
    main()
except Exception as e:  # the runner shows the error in the table
    print(TAG + json.dumps({'error': f'{type(e).__name__}: {e}'}))
