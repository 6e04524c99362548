//! One module per command; `run` dispatches.

mod audit;
mod backup;
pub(crate) mod check;
mod customer;
mod device;
mod duplicates;
mod export;
mod import;
mod location;
mod release;
mod retention;
mod session;
mod store;
mod user;
mod web_sign;
pub(crate) mod webhook;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::context::Context;

pub fn run(cli: Cli) -> Result<()> {
    let ctx = Context::new(cli.data_dir, cli.database, cli.user, cli.settings)?;
    match cli.command {
        Command::User(cmd) => user::run(&ctx, cmd),
        Command::Import(args) => import::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Customer(cmd) => customer::run(&ctx, cmd),
        Command::Duplicates(args) => duplicates::list(&ctx, args.json),
        Command::Merge(args) => duplicates::merge(&ctx, args),
        Command::NotDuplicate(args) => duplicates::not_duplicate(&ctx, args),
        Command::Release(cmd) => release::run(&ctx, cmd),
        Command::Audit(args) => audit::run(&ctx, args),
        Command::Serve(args) => device::serve(&ctx, args),
        Command::Device(cmd) => device::manage(&ctx, cmd),
        Command::Location(cmd) => location::run(&ctx, cmd),
        Command::Session(cmd) => session::run(&ctx, cmd),
        Command::WebSign(cmd) => web_sign::run(&ctx, cmd),
        Command::Pair(args) => device::pair(&ctx, args),
        Command::Run(args) => device::run(&ctx, args),
        Command::Status(args) => device::status(&ctx, args.json),
        Command::Webhook(cmd) => webhook::run(&ctx, cmd),
        Command::Store(cmd) => store::run(&ctx, cmd),
        Command::Retention(cmd) => retention::run(&ctx, cmd),
        Command::Backup(args) => backup::backup(&ctx, args),
        Command::Restore(args) => backup::restore(&ctx, args),
        Command::Check(args) => check::run(&ctx, args),
        Command::Openapi => crate::output::print_json(&crate::store::openapi::document()),
    }
}
