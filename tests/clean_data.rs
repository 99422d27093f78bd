//! Clean real data (tests/data, see tests/data/README.md): a strong legitimate feature such as
//! iris petal width or breast-cancer worst perimeter may be a "review" note, never critical.

use leakhound::audit::AuditSettings;
use leakhound::data::{read_frame, ReadOptions};
use leakhound::Severity;

use crate::common::{audit_frame, fixture};

#[test]
fn no_critical_on_clean_real_datasets() {
    for name in ["iris.csv", "breast_cancer.csv", "wine.csv"] {
        let frame = read_frame(&fixture(name), &ReadOptions::default()).unwrap();
        let r = audit_frame(frame, "target", &AuditSettings::default());
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
