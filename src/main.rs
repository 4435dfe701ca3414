//! `aikpi`: parse the arguments, run, print one clear error, exit with its code.

use clap::Parser;

fn main() {
    let cli = aikpi::cli::Cli::parse();
    let code = match aikpi::app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("aikpi: error: {err}");
            err.exit_code()
        }
    };
    std::process::exit(code);
}
