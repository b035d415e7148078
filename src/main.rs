use clap::Parser;
use partner_center_emulator::config::{Cli, Command};
use partner_center_emulator::{probe, startup};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Healthcheck { url }) => probe::healthcheck(&cli.config, url).await,
        Some(Command::Serve) | None => startup::run(cli.config).await,
    }
}
