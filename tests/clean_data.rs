//! Clean real data (tests/data, see tests/data/README.md): a strong legitimate feature such as
//! iris petal width or breast-cancer worst perimeter may be a "review" note, never critical.

use leakhound::Settings;
use leakhound::Severity;
use leakhound::{ReadOptions, Table};

use crate::common::{audit_table, fixture};

#[test]
fn no_critical_on_clean_real_datasets() {
    for name in ["iris.csv", "breast_cancer.csv", "wine.csv"] {
        let table = Table::read(fixture(name), &ReadOptions::default()).unwrap();
        let r = audit_table(table, "target", &Settings::default());
        let critical: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Critical)
            .collect();
        assert!(critical.is_empty(), "{name}: {critical:#?}");
        let high: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity == Severity::High && f.feature.is_some())
            .collect();
        assert!(high.is_empty(), "{name}: {high:#?}");
    }
}
