//! The `leakhound` binary: parse arguments, run the command, map the outcome to an exit code
//! (0 clean, 1 a finding at or above `--fail-on`, 2 error).

use std::process::ExitCode;

mod cli;
mod commands;
mod demo;

use clap::Parser;
use cli::{Cli, Command};
use commands::Outcome;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Audit(args) => commands::audit::run(*args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Compare(args) => commands::compare::run(args),
        Command::Inspect(args) => commands::compare::inspect(args),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::from(1),
        Err(e) => {
            eprintln!("leakhound: error: {e}");
            ExitCode::from(2)
        }
    }
}
