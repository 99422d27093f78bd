//! Audit a CSV file: `cargo run --release --example audit_csv -- FILE TARGET`.
//! Without arguments it audits the AER credit-card table shipped with the tests, where
//! `expenditure` and `share` are recorded after the card is granted.

use leakhound::{Audit, Severity, Table};

fn main() -> leakhound::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/real/creditcard.csv"
        )
        .into()
    });
    let target = args.next().unwrap_or_else(|| "card".into());

    let report = Audit::new(target).run(Table::from_path(&path)?)?;
    print!("{}", report.to_terminal(false));
    if report.max_severity() >= Some(Severity::High) {
        std::process::exit(1);
    }
    Ok(())
}
