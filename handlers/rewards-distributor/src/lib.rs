//! GHOSTNET RewardsDistributor handler: emission distributions.
//!
//! Models `RewardsDistributor` (CONTRACTS.md §3.6, §5). One `distribute()`
//! emits, for each level with a non-zero share, a DATA `Transfer` to
//! GhostCore and GhostCore's `EmissionsAdded(level, share)`, then **one**
//! `EmissionsDistributed(totalAmount, timestamp)`. The summary carries only
//! the total, and the per-level shares (`weight × total ÷ 10000`, floored)
//! may add up to slightly less than it. So the handler also subscribes to
//! GhostCore's `EmissionsAdded` (bind logical contract `GhostCore`), keeps
//! the shares of the transaction in `emission_pending`, and writes one
//! `emission_distributions` row per distribution with the five shares
//! (NULL where the share was 0 and no event was emitted), their sum and the
//! `dust` the summary counts but nobody received.
//!
//! The shares are checked against the level weights: the constructor's
//! `[500, 1000, 2000, 3000, 3500]` (set without an event — part of the
//! contract code, CONTRACTS.md §4.2) until a `WeightsUpdated`; a mismatch
//! fails the handler. Whether a level's share was credited to anyone (it is
//! not when the level has no stake) is recorded by the `ghost-core` handler
//! (`emissions.credited`). An `EmissionsAdded` that no `EmissionsDistributed`
//! follows (a direct `addEmissionRewards` by another DISTRIBUTOR_ROLE
//! holder) leaves its `emission_pending` row in place.
//!
//! `WeightsUpdated` and `GhostCoreUpdated` update `rewards_distributor_state`
//! and go to `admin_events`, as do the Ownable2Step events. The owner's
//! `emergencyWithdraw` emits nothing.

use ghostnet_common::{AdminEvent, Contract, Oz, admin_row, bps_of, check_level, hex, ts};
use wraith_sdk::serde_json::Value;
use wraith_sdk::{Ctx, Ev, Key, U256, Write, json, sol};

sol! {
    /// The RewardsDistributor events (CONTRACTS.md §3.6).
    #[sol(abi)]
    contract RewardsDistributor {
        event EmissionsDistributed(uint256 totalAmount, uint256 timestamp);
        event WeightsUpdated(uint16[5] newWeights);
        event GhostCoreUpdated(address newGhostCore);
    }

    /// GhostCore's per-level emission event (CONTRACTS.md §3.1).
    #[sol(abi)]
    contract GhostCore {
        event EmissionsAdded(uint8 indexed level, uint256 amount);
    }
}

/// The logical contract whose admin events this handler records.
#[derive(Debug)]
pub struct Distributor;

impl Contract for Distributor {
    const NAME: &'static str = "RewardsDistributor";
}

wraith_sdk::handler! {
    name: "rewards-distributor",
    tables: [
        emission_distributions: AppendOnly,
        emission_pending: Entity,
        rewards_distributor_state: Entity,
        admin_events: AppendOnly,
    ],
    streams: [],
    events: [
        "GhostCore": GhostCore::EmissionsAdded => on_emissions_added,
        "RewardsDistributor": RewardsDistributor::EmissionsDistributed => on_emissions_distributed,
        "RewardsDistributor": RewardsDistributor::WeightsUpdated => on_weights_updated,
        "RewardsDistributor": RewardsDistributor::GhostCoreUpdated => on_ghost_core_updated,
        "RewardsDistributor": Oz::OwnershipTransferred => ghostnet_common::admin::<Distributor, _>,
        "RewardsDistributor": Oz::OwnershipTransferStarted => ghostnet_common::admin::<Distributor, _>,
    ],
}

/// The constructor's level weights (bps, VAULT…BLACK_ICE).
const DEFAULT_WEIGHTS: [u16; 5] = [500, 1000, 2000, 3000, 3500];
const LEVEL_COLUMNS: [&str; 5] = ["level_1", "level_2", "level_3", "level_4", "level_5"];
const WEIGHT_COLUMNS: [&str; 5] = ["weight_1", "weight_2", "weight_3", "weight_4", "weight_5"];

fn on_emissions_added(ctx: &mut Ctx, ev: &Ev<GhostCore::EmissionsAdded>) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    ctx.push(
        Write::upsert("emission_pending")
            .key("tx_hash", ev.meta.tx_hash)
            .set("ghost_core", ev.meta.address)
            .set(LEVEL_COLUMNS[usize::from(level - 1)], ev.amount)
            .add("shares_total", ev.amount)
            .set("updated_at_block", ev.meta.block_number),
    );
    Ok(())
}

/// The distributor's current weights.
fn weights(ctx: &mut Ctx, distributor: wraith_sdk::Address) -> wraith_sdk::Result<[u16; 5]> {
    let Some(row) = ctx.get(
        "rewards_distributor_state",
        Key::new("distributor", distributor),
    )?
    else {
        return Ok(DEFAULT_WEIGHTS);
    };
    let mut w = [0u16; 5];
    for (slot, col) in w.iter_mut().zip(WEIGHT_COLUMNS) {
        let v = row.i64(col)?;
        *slot = u16::try_from(v)
            .map_err(|_| wraith_sdk::Error(format!("stored {col} {v} is not a uint16")))?;
    }
    Ok(w)
}

fn state<E>(ev: &Ev<E>, weights: [u16; 5], keep: bool) -> Write {
    let mut w = Write::upsert("rewards_distributor_state")
        .key("distributor", ev.meta.address)
        .set("updated_at_block", ev.meta.block_number);
    for (col, value) in WEIGHT_COLUMNS.iter().zip(weights) {
        w = if keep {
            w.keep(col, value)
        } else {
            w.set(col, value)
        };
    }
    w
}

fn on_emissions_distributed(
    ctx: &mut Ctx,
    ev: &Ev<RewardsDistributor::EmissionsDistributed>,
) -> wraith_sdk::Result<()> {
    let weights = weights(ctx, ev.meta.address)?;
    let pending = ctx.get("emission_pending", Key::new("tx_hash", ev.meta.tx_hash))?;
    let mut shares: [Option<U256>; 5] = [None; 5];
    let mut ghost_core = None;
    if let Some(row) = &pending {
        ghost_core = Some(row.address("ghost_core")?);
        for (share, col) in shares.iter_mut().zip(LEVEL_COLUMNS) {
            if !row.is_null(col)? {
                *share = Some(row.u256(col)?);
            }
        }
    }
    for (i, (share, weight)) in shares.iter().zip(weights).enumerate() {
        let expected = bps_of(ev.totalAmount, u64::from(weight))?;
        let seen = share.unwrap_or(U256::ZERO);
        if seen != expected {
            wraith_sdk::bail!(
                "EmissionsDistributed({}): level {} got {seen}, weight {weight} gives {expected}",
                ev.totalAmount,
                i + 1
            );
        }
    }
    let shares_total = shares.iter().flatten().fold(U256::ZERO, |a, b| a + b);
    let mut row = Write::insert("emission_distributions")
        .meta(&ev.meta)
        .col("distributor", ev.meta.address)
        .col("ghost_core", ghost_core)
        .col("total_amount", ev.totalAmount)
        .col(
            "event_timestamp",
            ts(u64::try_from(ev.timestamp).unwrap_or(u64::MAX)),
        )
        .col("shares_total", shares_total)
        .col("dust", ev.totalAmount - shares_total);
    for (col, share) in LEVEL_COLUMNS.iter().zip(shares) {
        row = row.col(col, share);
    }
    ctx.push(row);
    if pending.is_some() {
        ctx.push(Write::delete("emission_pending").key("tx_hash", ev.meta.tx_hash));
    }
    let mut st = state(ev, DEFAULT_WEIGHTS, true)
        .add("total_distributed", ev.totalAmount)
        .add("distribution_count", 1u32)
        .set("last_distribution", ghostnet_common::time(&ev.meta));
    if let Some(gc) = ghost_core {
        st = st.set("ghost_core", gc);
    }
    ctx.push(st);
    Ok(())
}

impl AdminEvent for RewardsDistributor::WeightsUpdated {
    const NAME: &'static str = "WeightsUpdated";
    fn args(&self) -> Value {
        json!({ "new_weights": self.newWeights })
    }
}

impl AdminEvent for RewardsDistributor::GhostCoreUpdated {
    const NAME: &'static str = "GhostCoreUpdated";
    fn args(&self) -> Value {
        json!({ "new_ghost_core": hex(self.newGhostCore) })
    }
}

fn on_weights_updated(
    ctx: &mut Ctx,
    ev: &Ev<RewardsDistributor::WeightsUpdated>,
) -> wraith_sdk::Result<()> {
    ctx.push(state(ev, ev.newWeights, false));
    ctx.push(admin_row(ev, Distributor::NAME));
    Ok(())
}

fn on_ghost_core_updated(
    ctx: &mut Ctx,
    ev: &Ev<RewardsDistributor::GhostCoreUpdated>,
) -> wraith_sdk::Result<()> {
    ctx.push(state(ev, DEFAULT_WEIGHTS, true).set("ghost_core", ev.newGhostCore));
    ctx.push(admin_row(ev, Distributor::NAME));
    Ok(())
}
