//! The process: read the command line and run the command it names on a runtime built here.
//!
//! The binary only calls [`main`]. Building the runtime and awaiting the server in this crate
//! compiles the server's async code once, here, instead of again in the binary (an async body is
//! compiled where it is polled), which takes about a tenth off a cold release build.

use clap::Parser;
use std::process::ExitCode;

use crate::config::{Cli, Command};
use crate::{probe, startup};

/// Parse the command line, then serve (the default) or probe a running emulator's health.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("partner-center-emulator: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match cli.command {
            Some(Command::Healthcheck { url }) => probe::healthcheck(&cli.config, url).await,
            Some(Command::Serve) | None => startup::run(cli.config).await,
        }
    })
}
