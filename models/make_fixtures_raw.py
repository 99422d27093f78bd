"""The model fixtures fed from raw tables (issue 18): scikit-learn pipelines with one ONNX input
per column, dense networks (scikit-learn MLPs, PyTorch), a hand-built graph covering the rest of
the operators, and CatBoost JSON models. Run through make_fixtures.py, e.g.

    python3 -m pip install torch==2.15.0 catboost==1.2.10   # besides make_fixtures.py's list
    python3 models/make_fixtures.py pipelines mlp torch coverage catboost
"""
import os

import numpy as np
import pandas as pd

import __main__ as base  # make_fixtures.py: DATA, TASKS, SEED, record, write_reference, out

HERE = os.path.dirname(os.path.abspath(__file__))


def raw_table(name):
    """A table as leakhound reads it for a model: numbers as float32 (NaN missing), text as
    text with "" for a missing value."""
    d = pd.read_csv(os.path.join(HERE, "data", name))
    for c in d.columns:
        if d[c].dtype.kind in "if":
            d[c] = d[c].astype(np.float32)
        else:
            d[c] = d[c].fillna("").astype(object)
    return d


def onnx_feeds(sess, frame):
    feeds = {}
    for i in sess.get_inputs():
        col = frame[[i.name]].to_numpy()
        feeds[i.name] = col.astype(object) if i.type == "tensor(string)" else col.astype(
            np.float32 if i.type == "tensor(float)" else np.float64)
    return feeds


def save_onnx(name, onx):
    with open(base.out(name), "wb") as f:
        f.write(onx.SerializeToString())


def raw_onnx_reference(name, task, data, target, features, frame, check=None, tol=1e-4):
    """Reference predictions from onnxruntime fed the raw columns; `check` (the training
    library's own predictions) must agree, so the export is the model that was trained."""
    import onnxruntime as ort
    sess = ort.InferenceSession(base.out(name), providers=["CPUExecutionProvider"])
    if len(sess.get_inputs()) > 1:
        outputs = sess.run(None, onnx_feeds(sess, frame))
    else:
        outputs = sess.run(None, {sess.get_inputs()[0].name: frame[features].to_numpy(np.float32)})
    scores = [o for o in outputs if isinstance(o, list) or np.asarray(o).dtype.kind == "f"][0]
    if isinstance(scores, list):  # ZipMap: one {label: probability} per row
        scores = np.array([[row[k] for k in sorted(row)] for row in scores])
    if check is not None:
        check = np.asarray(check, dtype=np.float64)
        gap = np.abs(np.asarray(scores, dtype=np.float64).reshape(check.shape) - check)
        gap = (gap / np.maximum(np.abs(check), 1.0)).max()
        assert gap < tol, f"{name}: onnxruntime and the trained model differ by {gap}"
    base.write_reference(name, scores)
    base.record(name, task, features, f"onnxruntime {ort.__version__}", data, target)


def sklearn_pipelines():
    """What a scikit-learn user ships: a ColumnTransformer pipeline over the raw DataFrame,
    exported with skl2onnx the standard way (one input per column)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import Binarizer, OneHotEncoder, OrdinalEncoder, StandardScaler
    from skl2onnx import to_onnx
    SEED = base.SEED
    opset = {"": 17, "ai.onnx.ml": 3}
    # Titanic (binary, yes/no labels): impute + scale the age, one-hot the two text columns.
    t = raw_table("titanic.csv")
    x, y = t.drop(columns=["survived"]), t["survived"]
    pipe = Pipeline([("prep", ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), ["age"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["sex", "passengerClass"])])),
        ("clf", LogisticRegression(max_iter=500))]).fit(x, y)
    name = "sklearn_pipeline_onehot_binary.onnx"
    save_onnx(name, to_onnx(pipe, x[:1], options={id(pipe[-1]): {"zipmap": False}},
                            target_opset=opset))
    raw_onnx_reference(name, "binary", "data/titanic.csv", "survived", list(x.columns), x,
                       pipe.predict_proba(x))
    # The same pipeline exported with skl2onnx's default ZipMap (a list of {label: p} maps).
    name = "sklearn_pipeline_zipmap_binary.onnx"
    save_onnx(name, to_onnx(pipe, x[:1], target_opset=opset))
    raw_onnx_reference(name, "binary", "data/titanic.csv", "survived", list(x.columns), x,
                       pipe.predict_proba(x))
    # Penguins (3 species, missing numbers and text): mean imputation, a constant for missing
    # text then ordinal codes (LabelEncoder, Where), a multinomial logistic regression.
    p = raw_table("penguins.csv").drop(columns=["year"])
    x, y = p.drop(columns=["species"]), p["species"]
    num = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    pipe = Pipeline([("prep", ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), num),
        ("cat", make_pipeline(SimpleImputer(missing_values="", strategy="constant",
                                            fill_value="missing"),
                              OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)),
         ["island", "sex"])])),
        ("clf", LogisticRegression(max_iter=1000))]).fit(x, y)
    name = "sklearn_pipeline_imputer_multiclass.onnx"
    save_onnx(name, to_onnx(pipe, x[:1], options={id(pipe[-1]): {"zipmap": False}},
                            target_opset=opset))
    raw_onnx_reference(name, "multiclass", "data/penguins.csv", "species", list(x.columns), x,
                       pipe.predict_proba(x))
    # Penguins body mass (regression): imputed numbers, a binarized bill depth, one-hot text.
    x, y = p.drop(columns=["species", "body_mass_g"]), p["body_mass_g"]
    keep = y.notna()
    pipe = Pipeline([("prep", ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
         ["bill_length_mm", "flipper_length_mm"]),
        ("deep", make_pipeline(SimpleImputer(strategy="median"), Binarizer(threshold=17.0)),
         ["bill_depth_mm"]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), ["island", "sex"])])),
        ("reg", Ridge())]).fit(x[keep], y[keep])
    name = "sklearn_pipeline_imputer_regression.onnx"
    save_onnx(name, to_onnx(pipe, x[:1], target_opset=opset))
    raw_onnx_reference(name, "regression", "data/penguins.csv", "body_mass_g", list(x.columns),
                       x, pipe.predict(x))
    # Credit card (binary, leaky): a network over the raw table, post-outcome columns included
    # (expenditure, and share = expenditure / income). The audit must say the model relies on
    # them.
    from sklearn.neural_network import MLPClassifier
    cc = raw_table("creditcard.csv")
    x, y = cc.drop(columns=["card"]), cc["card"]
    text = ["owner", "selfemp"]
    pipe = Pipeline([("prep", ColumnTransformer([
        ("num", StandardScaler(), [c for c in x.columns if c not in text]),
        ("cat", OneHotEncoder(handle_unknown="ignore"), text)])),
        ("mlp", MLPClassifier((16,), max_iter=600, random_state=SEED))]).fit(x, y)
    name = "sklearn_pipeline_mlp_leaky_binary.onnx"
    save_onnx(name, to_onnx(pipe, x[:1], options={id(pipe[-1]): {"zipmap": False}},
                            target_opset=opset))
    raw_onnx_reference(name, "binary", "data/creditcard.csv", "card", list(x.columns), x,
                       pipe.predict_proba(x))


def mlp_models():
    """Dense networks: scikit-learn's MLPs through skl2onnx (Scaler, MatMul, Add, activations,
    Softmax or Sigmoid, ArgMax, ArrayFeatureExtractor)."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from skl2onnx import to_onnx
    specs = [
        ("binary", MLPClassifier((16, 8), max_iter=300, random_state=base.SEED)),
        ("multiclass", MLPClassifier((16,), activation="tanh", max_iter=300,
                                     random_state=base.SEED)),
        ("regression", MLPRegressor(hidden_layer_sizes=(16,), activation="logistic", max_iter=500,
                                    learning_rate_init=0.05, random_state=base.SEED)),
    ]
    for task, mlp in specs:
        features, y = base.TASKS[task]
        if task == "multiclass":
            y = base.DATA["region"].to_numpy()
        x = base.frame(features).to_numpy()
        model = make_pipeline(StandardScaler(), mlp).fit(x, y)
        name = f"sklearn_mlp_{task}.onnx"
        options = None if task == "regression" else {id(mlp): {"zipmap": False}}
        onx = to_onnx(model, x[:1], options=options, target_opset={"": 17, "ai.onnx.ml": 3})
        entry = onx.metadata_props.add()
        entry.key, entry.value = "feature_names", ",".join(features)
        save_onnx(name, onx)
        check = model.predict(x) if task == "regression" else model.predict_proba(x)
        raw_onnx_reference(name, task, None, None, features, base.frame(features), check)


def torch_models():
    """PyTorch MLPs through torch.onnx.export (the TorchScript exporter): BatchNormalization,
    Gemm, Relu, LeakyRelu, Tanh, then Sigmoid / Softmax. No feature names are stored."""
    import torch
    torch.manual_seed(base.SEED)
    for task in ["binary", "multiclass", "regression"]:
        features, y = base.TASKS[task]
        x = base.frame(features).to_numpy()
        k = {"binary": 1, "multiclass": len(base.REGIONS), "regression": 1}[task]
        head = {"binary": torch.nn.Sigmoid(), "multiclass": torch.nn.Softmax(dim=1),
                "regression": torch.nn.Identity()}[task]
        net = torch.nn.Sequential(
            torch.nn.BatchNorm1d(len(features)),
            torch.nn.Linear(len(features), 32), torch.nn.ReLU(), torch.nn.Dropout(0.1),
            torch.nn.Linear(32, 16), torch.nn.LeakyReLU(0.05),
            torch.nn.Linear(16, 8), torch.nn.Tanh(),
            torch.nn.Linear(8, k), head)
        xt = torch.tensor(x)
        yt = torch.tensor(y, dtype=torch.long if task == "multiclass" else torch.float32)
        if task == "regression":
            yt = (yt - yt.mean()) / yt.std()
        opt = torch.optim.Adam(net.parameters(), lr=0.01)
        for _ in range(60):
            opt.zero_grad()
            outp = net(xt)
            if task == "multiclass":
                loss = torch.nn.functional.nll_loss(torch.log(outp + 1e-9), yt)
            elif task == "binary":
                loss = torch.nn.functional.binary_cross_entropy(outp[:, 0], yt)
            else:
                loss = torch.nn.functional.mse_loss(outp[:, 0], yt)
            loss.backward()
            opt.step()
        net.eval()
        name = f"torch_mlp_{task}.onnx"
        torch.onnx.export(net, xt[:2], base.out(name), input_names=["input"],
                          output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
                          opset_version=17, dynamo=False)
        with torch.no_grad():
            check = net(xt).numpy().astype(np.float64)
        raw_onnx_reference(name, task, None, None, features, base.frame(features), check)


def operator_coverage():
    """A hand-built graph over loans.csv exercising the operators no exporter above emits:
    three typed inputs (float, int64 and string), LabelEncoder on strings, Cast, Binarizer,
    FeatureVectorizer, Squeeze/Unsqueeze, Gather, Transpose, Gemm with transB, MatMul,
    BatchNormalization, Clip, LeakyRelu, Tanh, Div, Mul, Sub, ReduceMean, Flatten, Reshape,
    Identity and a final Softmax over 5 classes (class indices: no labels stored)."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(base.SEED)
    num = ["income", "debt_ratio", "credit_score"]
    inits = {
        "w1": rng.normal(size=(8, 7)) * 0.5, "b1": rng.normal(size=8) * 0.1,
        "w2": rng.normal(size=(8, 5)) * 0.5,
        "bn_scale": rng.uniform(0.5, 1.5, 8), "bn_bias": rng.normal(size=8) * 0.1,
        "bn_mean": rng.normal(size=8) * 0.1, "bn_var": rng.uniform(0.5, 2.0, 8),
        "scale": [1e-5, 1.0, 1e-2], "center": [50000.0, 0.4, 650.0],
        "two": 2.0, "lo": -3.0, "hi": 3.0,
    }
    ints = {"pick": [0, 2], "axes1": [1], "shape2": [-1, 7]}
    initializers = [numpy_helper.from_array(np.asarray(v, dtype=np.float32), k)
                    for k, v in inits.items()]
    initializers += [numpy_helper.from_array(np.asarray(v, dtype=np.int64), k)
                     for k, v in ints.items()]
    nodes = [
        helper.make_node("Sub", ["numeric", "center"], ["centred"]),
        helper.make_node("Mul", ["centred", "scale"], ["scaled"]),
        helper.make_node("Gather", ["scaled", "pick"], ["picked"], axis=1),
        helper.make_node("Binarizer", ["picked"], ["flags"], domain="ai.onnx.ml", threshold=0.0),
        helper.make_node("Cast", ["late"], ["late_f"], to=TensorProto.FLOAT),
        helper.make_node("LabelEncoder", ["region"], ["region_code"], domain="ai.onnx.ml",
                         keys_strings=list(base.REGIONS),
                         values_floats=[float(i) for i in range(len(base.REGIONS))],
                         default_float=-1.0),
        helper.make_node("Squeeze", ["region_code", "axes1"], ["region_flat"]),
        helper.make_node("Unsqueeze", ["region_flat", "axes1"], ["region_col"]),
        helper.make_node("FeatureVectorizer", ["scaled", "flags", "late_f", "region_col"],
                         ["features"], domain="ai.onnx.ml", inputdimensions=[3, 2, 1, 1]),
        helper.make_node("Reshape", ["features", "shape2"], ["features2"]),
        helper.make_node("Gemm", ["features2", "w1", "b1"], ["h1"], transB=1),
        helper.make_node("BatchNormalization", ["h1", "bn_scale", "bn_bias", "bn_mean", "bn_var"],
                         ["h2"], epsilon=1e-5),
        helper.make_node("LeakyRelu", ["h2"], ["h3"], alpha=0.1),
        helper.make_node("Clip", ["h3", "lo", "hi"], ["h4"]),
        helper.make_node("Tanh", ["h4"], ["h5"]),
        helper.make_node("ReduceMean", ["h5"], ["mean"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["h5", "mean"], ["h6"]),
        helper.make_node("Transpose", ["h6"], ["h6t"], perm=[1, 0]),
        helper.make_node("Transpose", ["h6t"], ["h7"], perm=[1, 0]),
        helper.make_node("MatMul", ["h7", "w2"], ["logits"]),
        helper.make_node("Div", ["logits", "two"], ["tempered"]),
        helper.make_node("Flatten", ["tempered"], ["flat"], axis=1),
        helper.make_node("Identity", ["flat"], ["pre"]),
        helper.make_node("Softmax", ["pre"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "operator_coverage",
        [helper.make_tensor_value_info("numeric", TensorProto.FLOAT, [None, 3]),
         helper.make_tensor_value_info("late", TensorProto.INT64, [None, 1]),
         helper.make_tensor_value_info("region", TensorProto.STRING, [None, 1])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 5])],
        initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("ai.onnx.ml", 3)],
                              producer_name="onnx.helper (make_fixtures_raw.py)")
    model.ir_version = 8
    features = num + ["late_payments_12m", "region"]
    entry = model.metadata_props.add()
    entry.key, entry.value = "feature_names", ",".join(features)
    onnx.checker.check_model(model)
    name = "onnx_operator_coverage_multiclass.onnx"
    save_onnx(name, model)
    sess = ort.InferenceSession(base.out(name), providers=["CPUExecutionProvider"])
    feeds = {"numeric": base.DATA[num].to_numpy(np.float32),
             "late": base.DATA[["late_payments_12m"]].to_numpy(np.int64),
             "region": base.DATA[["region"]].to_numpy().astype(object)}
    base.write_reference(name, sess.run(None, feeds)[0])
    base.record(name, "multiclass", features, f"onnxruntime {ort.__version__}")


def catboost_models():
    """CatBoost JSON exports (oblivious trees) with string categorical features split one-hot
    on their CityHash. The binary model is trained on the credit card table with its
    post-outcome columns (expenditure, share): the audit must say the model relies on them."""
    import catboost
    from catboost import CatBoostClassifier, CatBoostRegressor
    common = dict(random_seed=base.SEED, verbose=0, one_hot_max_size=255, thread_count=1,
                  allow_writing_files=False)
    cc = raw_table("creditcard.csv")
    p = raw_table("penguins.csv").drop(columns=["year"])
    loans = raw_table("loans.csv")
    loans_features = base.REG_FEATURES + ["region", "home_owner", "marketing_channel"]
    specs = [
        ("catboost_binary_leaky.json", "binary", "data/creditcard.csv", "card", cc,
         [c for c in cc.columns if c != "card"], ["owner", "selfemp"],
         CatBoostClassifier(iterations=60, depth=4, **common)),
        ("catboost_multiclass.json", "multiclass", "data/penguins.csv", "species", p,
         [c for c in p.columns if c != "species"], ["island", "sex"],
         CatBoostClassifier(iterations=40, depth=4, **common)),
        ("catboost_regression.json", "regression", "data/loans.csv", "income", loans,
         loans_features, ["region", "home_owner", "marketing_channel"],
         CatBoostRegressor(iterations=60, depth=5, **common)),
    ]
    for name, task, data, target, table, features, cats, model in specs:
        x = table[features].copy()
        for c in features:
            if c not in cats:
                x[c] = x[c].astype(np.float64)
        model.fit(x, table[target], cat_features=cats)
        model.save_model(base.out(name), format="json")
        ref = model.predict(x) if task == "regression" else model.predict_proba(x)
        base.write_reference(name, ref)
        base.record(name, task, features, f"catboost {catboost.__version__} predict", data,
                    target)


def version_models():
    """Three versions of one credit card model, for `leakhound compare`: v1 XGBoost and v2
    LightGBM both take the post-outcome columns (expenditure, share) and so rely on leaks; v3
    is LightGBM again without them (the leak fixed). Numeric columns only."""
    import lightgbm as lgb
    import xgboost as xgb
    cc = raw_table("creditcard.csv")
    y = (cc["card"] == "yes").astype(int).to_numpy()
    numeric = [c for c in cc.columns if c not in ("card", "owner", "selfemp")]
    honest = [c for c in numeric if c not in ("expenditure", "share")]
    x = cc[numeric]
    d = xgb.DMatrix(x, label=y, feature_names=numeric)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3, "eta": 0.3,
                         "seed": base.SEED}, d, 25)
    name = "xgboost_creditcard_v1.json"
    booster.save_model(base.out(name))
    base.write_reference(name, booster.predict(xgb.DMatrix(x, feature_names=numeric)))
    base.record(name, "binary", numeric, f"xgboost {xgb.__version__} Booster.predict",
                "data/creditcard.csv", "card")
    for name, features in (("lightgbm_creditcard_v2.txt", numeric),
                           ("lightgbm_creditcard_v3.txt", honest)):
        ds = lgb.Dataset(cc[features], label=y, feature_name=features)
        booster = lgb.train({"objective": "binary", "num_leaves": 15, "learning_rate": 0.1,
                             "min_data_in_leaf": 10, "seed": base.SEED, "verbose": -1,
                             "deterministic": True}, ds, 60)
        booster.save_model(base.out(name))
        base.write_reference(name, booster.predict(cc[features]))
        base.record(name, "binary", features, f"lightgbm {lgb.__version__} Booster.predict",
                    "data/creditcard.csv", "card")


GROUPS = {"pipelines": sklearn_pipelines, "mlp": mlp_models, "torch": torch_models,
          "coverage": operator_coverage, "catboost": catboost_models,
          "versions": version_models}
