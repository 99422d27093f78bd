//! CSV/TSV reader + typing + roles + binning: any bytes (plain, through the parallel block
//! reader, or as a gzip stream, through the one-pass reader) give a frame or an error, never a
//! panic.
#![no_main]

use leakhound::internals::{read_delimited_bytes, BinnedMatrix, Dataset, Roles};
use leakhound::ReadOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let opts = ReadOptions {
        delimiter: None,
        max_rows: (mode & 2 != 0).then_some(7),
        seed: 1,
        stratify_by: None,
        memory_limit: Some(1 << 30),
        ..ReadOptions::default()
    };
    let Ok(frame) = read_delimited_bytes(bytes, "fuzz.csv", mode & 1 != 0, &opts) else {
        return;
    };
    let Some(target) = frame.columns.last().map(|c| c.name.clone()) else {
        return;
    };
    if let Ok(ds) = Dataset::from_frame(frame, &Roles { target, ..Default::default() }) {
        let x = BinnedMatrix::from_columns(&ds.features);
        assert_eq!(x.rows, ds.rows());
    }
});
