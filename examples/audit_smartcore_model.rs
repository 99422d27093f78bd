//! Audit a model that lives in memory: a smartcore decision tree trained on a matrix whose
//! third column is a leak, handed to the audit through the public `Predictor` trait, as Python
//! users hand over a fitted scikit-learn object:
//! `cargo run --release --example audit_smartcore_model`.

use leakhound::{Audit, ModelInput, ModelOutput, PredictError, Predictor, Table};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};

/// A seeded pseudo-random number in [0, 1) for row `i` (SplitMix64).
fn rand01(i: usize, salt: u64) -> f64 {
    let mut x = (i as u64) ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (x ^ (x >> 31)) as f64 / u64::MAX as f64
}

type Tree = DecisionTreeClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>>;

/// The fitted tree as the audit's `Predictor`: hard labels as probabilities.
struct SmartcoreTree {
    tree: Tree,
    features: Vec<String>,
}

impl Predictor for SmartcoreTree {
    fn name(&self) -> String {
        "smartcore DecisionTreeClassifier".into()
    }

    fn output(&self) -> ModelOutput {
        ModelOutput::Classes {
            labels: vec!["0".into(), "1".into()],
            stored: true,
        }
    }

    fn feature_names(&self) -> Option<Vec<String>> {
        Some(self.features.clone())
    }

    fn predict(&self, x: &ModelInput) -> Result<Vec<f64>, PredictError> {
        let m = DenseMatrix::new(x.rows, x.columns.len(), x.values.to_vec(), false)
            .map_err(|e| PredictError(e.to_string()))?;
        let labels = self
            .tree
            .predict(&m)
            .map_err(|e| PredictError(e.to_string()))?;
        Ok(labels
            .iter()
            .flat_map(|&c| if c == 1 { [0.0, 1.0] } else { [1.0, 0.0] })
            .collect())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n = 3000;
    let names = ["tenure", "noise", "refund_amount"];
    let y: Vec<u32> = (0..n).map(|i| u32::from(rand01(i, 1) < 0.3)).collect();
    let row = |i: usize| -> [f64; 3] {
        let churned = f64::from(y[i]);
        [
            ((i * 31) % 97) as f64 + 20.0 * churned, // informative, not perfect
            ((i * 17) % 89) as f64,                  // noise
            churned * (50.0 + (i % 7) as f64),       // known only after the outcome
        ]
    };
    let values: Vec<f64> = (0..n).flat_map(row).collect();
    let m = DenseMatrix::new(n, 3, values.clone(), false)?;
    let mut params = DecisionTreeClassifierParameters::default().with_max_depth(6);
    params.seed = Some(7);
    let tree = DecisionTreeClassifier::fit(&m, &y, params)?;

    let mut table = Table::builder();
    for (j, name) in names.iter().enumerate() {
        table = table.numeric(*name, (0..n).map(|i| values[i * 3 + j]).collect::<Vec<_>>());
    }
    let table = table
        .numeric(
            "churned",
            y.iter().map(|&c| f64::from(c)).collect::<Vec<_>>(),
        )
        .build()?;
    let model = SmartcoreTree {
        tree,
        features: names.iter().map(|s| s.to_string()).collect(),
    };
    let report = Audit::new("churned")
        .predictor(Box::new(model))
        .run(table)?;
    let user = report.user_model.as_ref().expect("the model was audited");
    println!("{}", report.verdict.text);
    for f in &user.importance {
        println!(
            "  {:<14} {:.1}% of the model's importance",
            f.feature,
            f.importance_share * 100.0
        );
    }
    let relies = report
        .findings
        .iter()
        .any(|f| f.kind == leakhound::FindingKind::ModelReliesOnLeak);
    println!("model relies on a leak: {relies}");
    Ok(())
}
