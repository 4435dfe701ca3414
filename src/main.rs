//! `aikpi`: parse the arguments, run, print one clear error, exit with its code.

use clap::Parser;

fn main() {
    let cli = aikpi::cli::Cli::parse();
    let code = match aikpi::app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A server's reply or a name from the data must not act on the terminal.
            let message = aikpi::outputs::escape::terminal(&err.to_string());
            eprintln!("aikpi: error: {message}");
            err.exit_code()
        }
    };
    std::process::exit(code);
}
