//! The `leakhound` binary: parse arguments, run the command, map the outcome to an exit code
//! (0 clean, 1 a finding at or above `--fail-on`, 2 error).

use std::process::ExitCode;

mod cli;
mod commands;
mod demo;

fn main() -> ExitCode {
    ExitCode::from(commands::main(std::env::args_os()))
}
