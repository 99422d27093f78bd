//! XGBoost JSON and UBJSON models (hessboost import plus leakhound's feature-name reader):
//! any bytes give a model or an error; a model that loads predicts without panicking.
#![no_main]

use std::path::Path;

use leakhound::UserModel;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let name = if mode & 1 == 0 { "fuzz.json" } else { "fuzz.ubj" };
    if let Ok(m) = UserModel::from_bytes(Path::new(name), bytes) {
        let cols = m.n_features.unwrap_or(3).min(64);
        let rows: Vec<f64> = (0..4 * cols).map(|i| (i % 5) as f64).collect();
        let _ = m.predict(&rows, cols);
    }
});
