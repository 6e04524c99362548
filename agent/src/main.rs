//! `intake-agent`: Intake's companion binary. Admin commands for users, CSV import and
//! export, customers, duplicates and merges; the store role (`serve`) and the device role
//! (`pair`, `run`, `status`).

mod acme;
mod cli;
mod command;
mod context;
mod database;
mod device;
mod fields;
mod output;
mod store;
mod systemd;
mod tls;
mod webhook;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("INTAKE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match command::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if output::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("intake-agent: {}", output::error_chain(&err));
            ExitCode::from(output::exit_code(&err))
        }
    }
}
