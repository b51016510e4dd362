use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = secondheart::cli::Cli::parse();
    match secondheart::cli::execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: the error and its causes, joined.
            eprintln!("secondheart: {error:#}");
            ExitCode::FAILURE
        }
    }
}
