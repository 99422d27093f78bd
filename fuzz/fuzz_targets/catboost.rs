//! CatBoost JSON models: any bytes give a model or an error; a model that loads predicts a
//! table of numeric and text columns (hashed categorical values) without panicking.
#![no_main]

use std::path::Path;

use leakhound::{Table, UserModel};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = UserModel::from_bytes(Path::new("fuzz.json"), data) {
        if let Some(names) = &m.feature_names {
            let mut b = Table::builder();
            for (j, name) in names.iter().take(64).enumerate() {
                b = if j % 2 == 0 {
                    b.numeric_opt(name.as_str(), [Some(0.5), None, Some(1e9)])
                } else {
                    b.text(name.as_str(), ["Dream", "", "male"])
                };
            }
            if let Ok(t) = b.build() {
                let _ = m.predict_table(&t);
            }
        }
    }
});
