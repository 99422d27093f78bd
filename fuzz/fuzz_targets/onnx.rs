//! ONNX protobuf decoding, graph checking and evaluation: any bytes give a model or an error;
//! a model that loads predicts a small batch without panicking, fed numbers (one wide input)
//! and a table of numeric and text columns by the model's input names (every operator on
//! float, integer and string tensors).
#![no_main]

use std::path::Path;

use leakhound::{Table, UserModel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = UserModel::from_bytes(Path::new("fuzz.onnx"), data) {
        let cols = m.n_features.unwrap_or(3).min(64);
        let rows: Vec<f64> = (0..4 * cols).map(|i| (i % 7) as f64 - 2.0).collect();
        let _ = m.predict(&rows, cols);
        let _ = m.predict(&vec![f64::NAN; 2 * cols], cols);
        if let Some(names) = &m.feature_names {
            let mut b = Table::builder();
            for (j, name) in names.iter().take(64).enumerate() {
                b = if j % 2 == 0 {
                    b.numeric_opt(name.as_str(), [Some(1.5), None, Some(-3.0)])
                } else {
                    b.text(name.as_str(), ["a", "", "yes"])
                };
            }
            if let Ok(t) = b.build() {
                let _ = m.predict_table(&t);
            }
        }
    }
});
