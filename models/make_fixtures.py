"""Regenerate the model fixtures in models/ (needs Python; the product and its tests do not).

    python3 -m pip install scikit-learn==1.9.1 xgboost==3.2.0 lightgbm==4.7.0 \
        onnx==1.23.2 onnxruntime==1.32.0 skl2onnx==1.20.0 onnxmltools==1.16.0 pandas
    cargo run --release -- demo --rows 3000 --write /tmp/lh-demo --no-plots -q
    cp /tmp/lh-demo/loans.csv models/data/loans.csv
    python3 models/make_fixtures.py

Every model is trained on models/data/loans.csv. Reference predictions of the first 200 rows
(probabilities per class for classifiers, the value for regressors) are written to
models/reference/<model file>.csv by the library that trained the model (XGBoost, LightGBM) or by
onnxruntime (ONNX files).
"""
import os
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = pd.read_csv(os.path.join(HERE, "data", "loans.csv"))
CLEAN = ["age", "income", "employment_years", "debt_ratio", "credit_score",
         "late_payments_12m", "loan_amount"]
LEAKY = CLEAN + ["days_in_collections"]
REF_ROWS = 200
SEED = 7

# Three tasks on the same table: the demo's binary target, region (4 classes) and income.
REG_FEATURES = [c for c in CLEAN if c != "income"]
REGIONS = sorted(DATA["region"].unique())
TASKS = {
    "binary": (CLEAN, DATA["default"].to_numpy()),
    "multiclass": (CLEAN, DATA["region"].map({r: i for i, r in enumerate(REGIONS)}).to_numpy()),
    "regression": (REG_FEATURES, DATA["income"].to_numpy(dtype=np.float64)),
}


def out(name):
    return os.path.join(HERE, name)


MANIFEST = []


def record(name, task, features, reference_from, data=None, target=None):
    entry = {"file": name, "task": task, "features": features,
             "reference": f"reference/{name}.csv", "reference_from": reference_from}
    if data is not None:
        entry["data"], entry["target"] = data, target
    MANIFEST.append(entry)


def write_reference(name, values):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    cols = ["value"] if values.shape[1] == 1 else [f"p{k}" for k in range(values.shape[1])]
    pd.DataFrame(values[:REF_ROWS], columns=cols).to_csv(
        os.path.join(HERE, "reference", name + ".csv"), index=False, float_format="%.9g")


def frame(features):
    return DATA[features].astype(np.float32)


def xgboost_models():
    import xgboost as xgb
    specs = [
        ("xgboost_binary_leaky.json", "binary", LEAKY, {"objective": "binary:logistic"}),
        ("xgboost_multiclass.ubj", "multiclass", CLEAN,
         {"objective": "multi:softprob", "num_class": len(REGIONS)}),
        ("xgboost_regression.json", "regression", REG_FEATURES, {"objective": "reg:squarederror"}),
    ]
    for name, task, features, params in specs:
        y = TASKS[task][1] if task != "binary" or features is CLEAN else DATA["default"].to_numpy()
        d = xgb.DMatrix(frame(features), label=y, feature_names=features)
        booster = xgb.train({**params, "max_depth": 4, "eta": 0.3, "seed": SEED}, d, 30)
        booster.save_model(out(name))
        write_reference(name, booster.predict(xgb.DMatrix(frame(features), feature_names=features)))
        record(name, task, features, f"xgboost {xgb.__version__} Booster.predict")


def lightgbm_models():
    import lightgbm as lgb
    specs = [
        ("lightgbm_binary.txt", "binary", CLEAN, {"objective": "binary"}),
        ("lightgbm_multiclass.txt", "multiclass", CLEAN,
         {"objective": "multiclass", "num_class": len(REGIONS)}),
        ("lightgbm_regression.txt", "regression", REG_FEATURES, {"objective": "regression"}),
    ]
    for name, task, features, params in specs:
        ds = lgb.Dataset(frame(features), label=TASKS[task][1], feature_name=features)
        booster = lgb.train({**params, "num_leaves": 15, "learning_rate": 0.2, "seed": SEED,
                             "verbose": -1, "deterministic": True}, ds, 30)
        booster.save_model(out(name))
        write_reference(name, booster.predict(frame(features)))
        record(name, task, features, f"lightgbm {lgb.__version__} Booster.predict")


def onnx_reference(name, features, task):
    import onnxruntime as ort
    record(name, task, features, f"onnxruntime {ort.__version__}")
    sess = ort.InferenceSession(out(name), providers=["CPUExecutionProvider"])
    x = frame(features).to_numpy()
    outputs = sess.run(None, {sess.get_inputs()[0].name: x})
    # classifiers: (label, probabilities); regressors: (variable,)
    write_reference(name, outputs[1] if len(outputs) > 1 else outputs[0])


def patch_bool_attributes():
    """skl2onnx 1.20's HistGradientBoosting converter passes numpy bools to onnx's make_attribute
    (nodes_missing_value_tracks_true), which onnx 1.23 rejects; give it ints."""
    import onnx.helper
    original = onnx.helper.make_attribute

    def make_attribute(key, value, *args, **kwargs):
        if isinstance(value, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in value):
            value = [int(v) for v in value]
        return original(key, value, *args, **kwargs)
    onnx.helper.make_attribute = make_attribute


def sklearn_models():
    patch_bool_attributes()
    from sklearn.ensemble import (RandomForestClassifier, RandomForestRegressor,
                                  GradientBoostingClassifier, GradientBoostingRegressor,
                                  HistGradientBoostingClassifier, HistGradientBoostingRegressor)
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from skl2onnx import to_onnx
    small = dict(random_state=SEED)
    makers = {
        "random_forest": (lambda: RandomForestClassifier(n_estimators=10, max_depth=5, **small),
                          lambda: RandomForestRegressor(n_estimators=10, max_depth=5, **small)),
        "gradient_boosting": (lambda: GradientBoostingClassifier(n_estimators=20, max_depth=3, **small),
                              lambda: GradientBoostingRegressor(n_estimators=20, max_depth=3, **small)),
        "hist_gradient_boosting": (lambda: HistGradientBoostingClassifier(max_iter=20, **small),
                                   lambda: HistGradientBoostingRegressor(max_iter=20, **small)),
        "linear": (lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
                   lambda: make_pipeline(StandardScaler(), Ridge())),
    }
    for kind, (classifier, regressor) in makers.items():
        for task, (features, y) in TASKS.items():
            if task == "multiclass":
                y = DATA["region"].to_numpy()  # string class labels in the ONNX file
            model = (regressor if task == "regression" else classifier)()
            model.fit(frame(features).to_numpy(), y)
            name = f"sklearn_{kind}_{task}.onnx"
            options = None if task == "regression" else {id(model): {"zipmap": False}}
            onx = to_onnx(model, frame(features).to_numpy()[:1], options=options,
                          target_opset={"": 17, "ai.onnx.ml": 3})
            # Feature names travel in the metadata (leakhound reads `feature_names`); the
            # onnxmltools exports below have none and are matched by column order.
            entry = onx.metadata_props.add()
            entry.key, entry.value = "feature_names", ",".join(features)
            with open(out(name), "wb") as f:
                f.write(onx.SerializeToString())
            onnx_reference(name, features, task)


def onnxmltools_models():
    import lightgbm as lgb
    import xgboost as xgb
    from onnxmltools import convert_lightgbm, convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType
    for task in ["binary", "multiclass"]:
        features, y = TASKS[task]
        x = frame(features).to_numpy()
        lg = lgb.LGBMClassifier(n_estimators=20, num_leaves=15, random_state=SEED, verbose=-1).fit(x, y)
        onx = convert_lightgbm(lg, initial_types=[("input", FloatTensorType([None, len(features)]))],
                               zipmap=False, target_opset=15)
        name = f"onnxmltools_lightgbm_{task}.onnx"
        with open(out(name), "wb") as f:
            f.write(onx.SerializeToString())
        onnx_reference(name, features, task)
        xg = xgb.XGBClassifier(n_estimators=20, max_depth=4, random_state=SEED).fit(x, y)
        onx = convert_xgboost(xg, initial_types=[("input", FloatTensorType([None, len(features)]))],
                              target_opset=15)
        name = f"onnxmltools_xgboost_{task}.onnx"
        with open(out(name), "wb") as f:
            f.write(onx.SerializeToString())
        onnx_reference(name, features, task)


GROUPS = {"xgboost": xgboost_models, "lightgbm": lightgbm_models, "sklearn": sklearn_models,
          "onnxmltools": onnxmltools_models}


if __name__ == "__main__":
    import sys
    import make_fixtures_raw  # the models fed from raw tables (issue 18)
    GROUPS.update(make_fixtures_raw.GROUPS)
    os.makedirs(os.path.join(HERE, "reference"), exist_ok=True)
    for group in sys.argv[1:] or list(GROUPS):
        GROUPS[group]()
    import json
    # Regenerating some groups keeps the other groups' entries.
    if sys.argv[1:] and os.path.exists(out("fixtures.json")):
        with open(out("fixtures.json")) as f:
            kept = [m for m in json.load(f)["models"]
                    if m["file"] not in {e["file"] for e in MANIFEST}]
        MANIFEST[:0] = kept
    with open(out("fixtures.json"), "w") as f:
        json.dump({"data": "data/loans.csv", "reference_rows": REF_ROWS, "models": MANIFEST}, f,
                  indent=1)
        f.write("\n")
