//! GHOSTNET TraceScan handler: scans.
//!
//! Models the three phases of a `TraceScan` scan (CONTRACTS.md §3.2, §4.1,
//! §5) into one `scans` row per scan id (one global counter across levels):
//!
//! * `ScanExecuted(level, scanId, seed, executedAt)` creates the row with
//!   the seed (public from this moment; `seed` and `scan_id` are uint256,
//!   stored exactly);
//! * every `DeathsSubmitted(level, scanId, count, totalDead, submitter)`
//!   batch is appended to `death_submissions` and added to the scan's
//!   `death_count` / `total_dead` (a `submitDeaths` whose candidates are all
//!   filtered out emits nothing and leaves no trace). The victims
//!   themselves are derived by the `ghost-core` handler (`deaths` table);
//! * `finalizeScan` emits, in this order, GhostCore `CascadeDistributed`
//!   (only when the scan killed something), GhostCore `SurvivorsUpdated`,
//!   then `ScanFinalized`. The handler subscribes to those two GhostCore
//!   events too (bind logical contract `GhostCore`), keeps them per level in
//!   `scan_levels` with their transaction hash, and writes them into the
//!   scan row when `ScanFinalized` of the same transaction arrives — never
//!   as placeholders filled later. `ScanFinalized`'s `deathCount` and
//!   `totalDead` must equal the sums of the scan's batches, and a scan that
//!   killed something must have its cascade in the same transaction;
//!   otherwise the handler fails loudly. A scan without deaths distributes
//!   nothing: its cascade columns are 0.
//!
//! `CascadeDistributed.upstreamAmount` may have been burned (no stake in a
//! safer level, always for VAULT); the `ghost-core` handler, which knows the
//! level totals, records that (`cascades.upstream_burned`).
//!
//! The inherited OpenZeppelin events go to the shared `admin_events` audit
//! trail. The submission window and batch size (`setSubmissionWindow`,
//! `setMaxBatchSize`) change without an event and are not modelled.
//!
//! Feed events on `ghostnet.scans` (keyed by level): `SCAN_EXECUTED`
//! (level, scan_id, seed), `SCAN_FINALIZED` (level, scan_id, deaths,
//! total_dead, survivors).

use ghostnet_common::{Contract, Oz, check_level};
use wraith_sdk::{B256, Ctx, Ev, Key, Message, Row, U256, Write, json, sol};

sol! {
    /// The TraceScan events (CONTRACTS.md §3.2).
    #[sol(abi)]
    contract TraceScan {
        event ScanExecuted(uint8 indexed level, uint256 indexed scanId, uint256 seed, uint64 executedAt);
        event DeathsSubmitted(uint8 indexed level, uint256 indexed scanId, uint256 count, uint256 totalDead, address indexed submitter);
        event ScanFinalized(uint8 indexed level, uint256 indexed scanId, uint256 deathCount, uint256 totalDead, uint64 finalizedAt);
    }

    /// The GhostCore events emitted inside `finalizeScan` (CONTRACTS.md §3.1).
    #[sol(abi)]
    contract GhostCore {
        event SurvivorsUpdated(uint8 indexed level, uint256 count);
        event CascadeDistributed(uint8 indexed sourceLevel, uint256 sameLevelAmount, uint256 upstreamAmount, uint256 burnAmount, uint256 protocolAmount);
    }
}

/// The logical contract whose admin events this handler records.
#[derive(Debug)]
pub struct Scan;

impl Contract for Scan {
    const NAME: &'static str = "TraceScan";
}

wraith_sdk::handler! {
    name: "trace-scan",
    tables: [
        scans: Entity,
        scan_levels: Entity,
        death_submissions: AppendOnly,
        admin_events: AppendOnly,
    ],
    streams: ["ghostnet.scans"],
    events: [
        "TraceScan": TraceScan::ScanExecuted => on_scan_executed,
        "TraceScan": TraceScan::DeathsSubmitted => on_deaths_submitted,
        "TraceScan": TraceScan::ScanFinalized => on_scan_finalized,
        "GhostCore": GhostCore::CascadeDistributed => on_cascade_distributed,
        "GhostCore": GhostCore::SurvivorsUpdated => on_survivors_updated,
        "TraceScan": Oz::Initialized => ghostnet_common::admin::<Scan, _>,
        "TraceScan": Oz::Upgraded => ghostnet_common::admin::<Scan, _>,
        "TraceScan": Oz::Paused => ghostnet_common::admin::<Scan, _>,
        "TraceScan": Oz::Unpaused => ghostnet_common::admin::<Scan, _>,
        "TraceScan": Oz::RoleGranted => ghostnet_common::admin::<Scan, _>,
        "TraceScan": Oz::RoleRevoked => ghostnet_common::admin::<Scan, _>,
        "TraceScan": Oz::RoleAdminChanged => ghostnet_common::admin::<Scan, _>,
    ],
}

const STREAM: &str = "ghostnet.scans";

fn feed<E>(ctx: &mut Ctx, ev: &Ev<E>, level: u8, kind: &str, data: wraith_sdk::serde_json::Value) {
    ctx.push(Message::new(
        STREAM,
        level.to_string(),
        json!({ "type": kind, "data": data, "timestamp": ev.meta.block_timestamp * 1000 }),
    ));
}

fn on_scan_executed(ctx: &mut Ctx, ev: &Ev<TraceScan::ScanExecuted>) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    ctx.push(
        Write::upsert("scans")
            .key("scan_id", ev.scanId)
            .set("level", level)
            .set("seed", ev.seed)
            .set("executed_at", ghostnet_common::ts(ev.executedAt))
            .set("executed_block", ev.meta.block_number)
            .set("executed_tx", ev.meta.tx_hash)
            .set("updated_at_block", ev.meta.block_number),
    );
    feed(
        ctx,
        ev,
        level,
        "SCAN_EXECUTED",
        json!({ "level": level, "scan_id": ev.scanId.to_string(), "seed": ev.seed.to_string() }),
    );
    Ok(())
}

fn on_deaths_submitted(
    ctx: &mut Ctx,
    ev: &Ev<TraceScan::DeathsSubmitted>,
) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    ctx.push(
        Write::insert("death_submissions")
            .meta(&ev.meta)
            .col("level", level)
            .col("scan_id", ev.scanId)
            .col("death_count", ev.count)
            .col("total_dead", ev.totalDead)
            .col("submitter", ev.submitter),
    );
    ctx.push(
        Write::update("scans")
            .key("scan_id", ev.scanId)
            .add("death_count", ev.count)
            .add("total_dead", ev.totalDead)
            .add("submissions", 1u32)
            .set("updated_at_block", ev.meta.block_number),
    );
    Ok(())
}

fn on_cascade_distributed(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::CascadeDistributed>,
) -> wraith_sdk::Result<()> {
    let level = check_level(ev.sourceLevel)?;
    ctx.push(
        Write::upsert("scan_levels")
            .key("level", level)
            .set("cascade_tx", ev.meta.tx_hash)
            .set("cascade_same_level", ev.sameLevelAmount)
            .set("cascade_upstream", ev.upstreamAmount)
            .set("cascade_burn", ev.burnAmount)
            .set("cascade_protocol", ev.protocolAmount)
            .set("updated_at_block", ev.meta.block_number),
    );
    Ok(())
}

fn on_survivors_updated(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::SurvivorsUpdated>,
) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    ctx.push(
        Write::upsert("scan_levels")
            .key("level", level)
            .set("survivors_tx", ev.meta.tx_hash)
            .set("survivor_count", ev.count)
            .set("updated_at_block", ev.meta.block_number),
    );
    Ok(())
}

/// Whether `col` of `row` holds transaction `tx`.
fn same_tx(row: &Row, col: &str, tx: B256) -> wraith_sdk::Result<bool> {
    Ok(!row.is_null(col)? && row.b256(col)? == tx)
}

fn on_scan_finalized(ctx: &mut Ctx, ev: &Ev<TraceScan::ScanFinalized>) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    let tx = ev.meta.tx_hash;
    let Some(scan) = ctx.get("scans", Key::new("scan_id", ev.scanId))? else {
        wraith_sdk::bail!(
            "ScanFinalized for scan {} whose ScanExecuted was never indexed",
            ev.scanId
        );
    };
    let (deaths, dead) = (scan.u256("death_count")?, scan.u256("total_dead")?);
    if deaths != ev.deathCount || dead != ev.totalDead {
        wraith_sdk::bail!(
            "ScanFinalized(scan {}) reports {} deaths / {} dead, its DeathsSubmitted batches add up to {deaths} / {dead}",
            ev.scanId,
            ev.deathCount,
            ev.totalDead
        );
    }
    let Some(pending) = ctx.get("scan_levels", Key::new("level", level))? else {
        wraith_sdk::bail!(
            "ScanFinalized(scan {}) without GhostCore's SurvivorsUpdated in the transaction (bind GhostCore to this handler)",
            ev.scanId
        );
    };
    if !same_tx(&pending, "survivors_tx", tx)? {
        wraith_sdk::bail!(
            "ScanFinalized(scan {}) without GhostCore's SurvivorsUpdated in the transaction (bind GhostCore to this handler)",
            ev.scanId
        );
    }
    let survivors = pending.u256("survivor_count")?;
    let cascade = if same_tx(&pending, "cascade_tx", tx)? {
        [
            pending.u256("cascade_same_level")?,
            pending.u256("cascade_upstream")?,
            pending.u256("cascade_burn")?,
            pending.u256("cascade_protocol")?,
        ]
    } else if ev.totalDead.is_zero() {
        [U256::ZERO; 4]
    } else {
        wraith_sdk::bail!(
            "ScanFinalized(scan {}) killed {} but no CascadeDistributed preceded it in the transaction",
            ev.scanId,
            ev.totalDead
        );
    };
    ctx.push(
        Write::update("scans")
            .key("scan_id", ev.scanId)
            .set("is_finalized", true)
            .set("finalized_at", ghostnet_common::ts(ev.finalizedAt))
            .set("finalized_block", ev.meta.block_number)
            .set("survivor_count", survivors)
            .set("cascade_same_level", cascade[0])
            .set("cascade_upstream", cascade[1])
            .set("cascade_burn", cascade[2])
            .set("cascade_protocol", cascade[3])
            .set("updated_at_block", ev.meta.block_number),
    );
    feed(
        ctx,
        ev,
        level,
        "SCAN_FINALIZED",
        json!({
            "level": level,
            "scan_id": ev.scanId.to_string(),
            "deaths": ev.deathCount.to_string(),
            "total_dead": ev.totalDead.to_string(),
            "survivors": survivors.to_string(),
        }),
    );
    Ok(())
}
