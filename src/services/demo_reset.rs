//! `liftmask demo --reset`: removes what the demo seeding made (by its `demo_records`, never by
//! name), keeps the `creative_days` rollup consistent, and seeds the demo again.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use inpaint::Inpainter;

use crate::db::creative_days::{self, Creative};
use crate::db::demo_records::{self, DemoRecordKind};
use crate::db::schema::{ads, imports, masters, performance_rows};
use crate::db::{DbConn, ads as ads_repo};
use crate::db_run;
use crate::jobs::WorkerContext;
use crate::services::demo::{DemoError, DemoSummary, seed};

/// Removes the demo (if present) and seeds it again.
pub fn reset(ctx: &WorkerContext, engine: &dyn Inpainter) -> Result<DemoSummary, DemoError> {
    ctx.pool.run(|c| c.transaction(remove))?;
    seed(ctx, engine)
}

/// Deletes the demo's import rows and masters (cascading to their variants, mappings and
/// experiments), then recomputes the rollup of any *other* creative those ads were mapped to,
/// e.g. a user who mapped a demo ad to their own master.
pub fn remove(conn: &mut DbConn<'_>) -> Result<(), DemoError> {
    let import_ids = demo_records::ids(conn, DemoRecordKind::Import)?;
    let master_ids = demo_records::ids(conn, DemoRecordKind::Master)?;
    let demo_ads: Vec<(String, String)> = db_run!(conn, |c| performance_rows::table
        .inner_join(ads::table)
        .filter(performance_rows::source_import_id.eq_any(&import_ids))
        .select((ads::platform, ads::ad_id))
        .distinct()
        .load(c))?;
    let mut by_platform: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (platform, ad_id) in demo_ads {
        by_platform.entry(platform).or_default().push(ad_id);
    }
    let mut touched: BTreeSet<Creative> = BTreeSet::new();
    for (platform, ad_ids) in &by_platform {
        let creatives =
            creative_days::creatives_of_ads(conn, platform, ad_ids.iter().map(String::as_str))?;
        touched.extend(creatives.into_iter().filter(|c| !master_ids.contains(&c.master_id)));
    }
    db_run!(conn, |c| {
        diesel::delete(
            performance_rows::table.filter(performance_rows::source_import_id.eq_any(&import_ids)),
        )
        .execute(c)?;
    });
    ads_repo::delete_orphans(conn)?;
    db_run!(conn, |c| {
        diesel::delete(imports::table.filter(imports::id.eq_any(&import_ids))).execute(c)?;
        diesel::delete(masters::table.filter(masters::id.eq_any(&master_ids))).execute(c)?;
    });
    creative_days::refresh(conn, &touched, None)?;
    demo_records::forget(conn, DemoRecordKind::Import)?;
    demo_records::forget(conn, DemoRecordKind::Master)?;
    Ok(())
}
