//! `intake-agent export`.

use anyhow::{Result, anyhow};
use intake_common::csvio::{self, ExportOptions};

use crate::cli::ExportArgs;
use crate::context::Context;

pub fn run(ctx: &Context, args: ExportArgs) -> Result<()> {
    let format = args.format.parse().map_err(|e: String| anyhow!(e))?;
    let db = ctx.open()?;
    let actor = ctx.sign_in(&db)?;
    let options = ExportOptions {
        format,
        columns: args.columns,
    };
    let summary = csvio::export(&db, &actor, args.out.as_deref(), &options)?;
    if let Some(out) = &args.out {
        eprintln!(
            "exported {} customers to {}{}",
            summary.customers,
            out.display(),
            if summary.medical {
                " (with medical details)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
