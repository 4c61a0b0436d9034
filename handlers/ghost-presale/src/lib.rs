//! GHOSTNET GhostPresale handler: contributions, tranches, lifecycle,
//! refunds.
//!
//! Models `GhostPresale` (CONTRACTS.md §3.14). **Units**: `eth_*` columns
//! are native ETH wei; allocations and supplies are DATA wei; prices are ETH
//! wei per 1e18 DATA.
//!
//! * `Contributed(contributor, ethAmount, dataAllocation, avgPrice,
//!   spotPrice)`: `ethAmount` is what was **spent** — any excess sent is
//!   refunded in the same transaction without an event, so the handler never
//!   sees it. Appended to `presale_contributions`; added to the contributor
//!   (`presale_contributors`) and the presale totals. The contributor count
//!   follows the contract's rule (a contribution by an address whose
//!   allocation was still 0 counts a new contributor) and is checked
//!   against `PresaleFinalized.contributors`, as are the raised and sold
//!   totals; a mismatch fails the handler.
//! * `TrancheCompleted(index, nextPrice)` is emitted **before** the
//!   `Contributed` that crossed the tranche (`nextPrice` 0 after the last
//!   one): `presale_tranches_completed`. Adding tranches and setting the
//!   curve emit nothing (read `tranches(i)` / `curve()` by `eth_call`);
//!   `TranchesCleared` is recorded as an admin event.
//! * Lifecycle in `presale_state.state`: `PresaleOpened` → open,
//!   `PresaleFinalized` → finalized (then `ETHWithdrawn`), `RefundsEnabled`
//!   → refunding — by the owner, or by anyone after the emergency deadline,
//!   in which case `EmergencyRefundsTriggered` comes first in the same
//!   transaction (its caller is kept). `ConfigUpdated` (only while pending)
//!   stores the configuration; `EndTimeExtended` moves the end time.
//! * `Refunded(contributor, ethAmount)` zeroes the contributor's ETH
//!   contribution but leaves the DATA allocation recorded, as on-chain
//!   (`ethAmount` must equal the stored contribution).
//! * Lifecycle and configuration events, `Paused`/`Unpaused` and the
//!   Ownable2Step events also go to the shared `admin_events` audit trail.

use ghostnet_common::{AdminEvent, Contract, Flat, Oz, admin_row, hex, time};
use wraith_sdk::serde_json::Value;
use wraith_sdk::{Ctx, Ev, Key, U256, Write, json, sol};

sol! {
    /// The GhostPresale events (CONTRACTS.md §3.14).
    #[sol(abi)]
    contract GhostPresale {
        struct PresaleConfig {
            uint256 minContribution;
            uint256 maxContribution;
            uint256 maxPerWallet;
            bool allowMultipleContributions;
            uint256 startTime;
            uint256 endTime;
            uint256 emergencyDeadline;
        }

        event Contributed(address indexed contributor, uint256 ethAmount, uint256 dataAllocation, uint256 avgPrice, uint256 spotPrice);
        event PresaleOpened(uint256 timestamp);
        event PresaleFinalized(uint256 totalRaised, uint256 totalSold, uint256 contributors);
        event ConfigUpdated(PresaleConfig config);
        event TrancheCompleted(uint256 indexed trancheIndex, uint256 nextPrice);
        event RefundsEnabled();
        event Refunded(address indexed contributor, uint256 ethAmount);
        event TranchesCleared();
        event ETHWithdrawn(address indexed to, uint256 amount);
        event EndTimeExtended(uint256 oldEndTime, uint256 newEndTime);
        event EmergencyRefundsTriggered(address indexed triggeredBy, uint256 timestamp);
    }
}

/// The logical contract whose admin events this handler records.
#[derive(Debug)]
pub struct Presale;

impl Contract for Presale {
    const NAME: &'static str = "GhostPresale";
}

wraith_sdk::handler! {
    name: "ghost-presale",
    tables: [
        presale_state: Entity,
        presale_contributors: Entity,
        presale_contributions: AppendOnly,
        presale_tranches_completed: AppendOnly,
        presale_refunds: AppendOnly,
        admin_events: AppendOnly,
    ],
    streams: [],
    events: [
        "GhostPresale": GhostPresale::Contributed => on_contributed,
        "GhostPresale": GhostPresale::PresaleOpened => on_opened,
        "GhostPresale": GhostPresale::PresaleFinalized => on_finalized,
        "GhostPresale": Flat<GhostPresale::ConfigUpdated> => on_config_updated,
        "GhostPresale": GhostPresale::TrancheCompleted => on_tranche_completed,
        "GhostPresale": GhostPresale::RefundsEnabled => on_refunds_enabled,
        "GhostPresale": GhostPresale::Refunded => on_refunded,
        "GhostPresale": GhostPresale::TranchesCleared => ghostnet_common::admin::<Presale, _>,
        "GhostPresale": GhostPresale::ETHWithdrawn => on_eth_withdrawn,
        "GhostPresale": GhostPresale::EndTimeExtended => on_end_time_extended,
        "GhostPresale": GhostPresale::EmergencyRefundsTriggered => on_emergency_refunds,
        "GhostPresale": Oz::Paused => on_paused,
        "GhostPresale": Oz::Unpaused => on_unpaused,
        "GhostPresale": Oz::OwnershipTransferred => ghostnet_common::admin::<Presale, _>,
        "GhostPresale": Oz::OwnershipTransferStarted => ghostnet_common::admin::<Presale, _>,
    ],
}

fn state<E>(ev: &Ev<E>) -> Write {
    Write::upsert("presale_state")
        .key("presale", ev.meta.address)
        .set("updated_at_block", ev.meta.block_number)
}

fn on_contributed(ctx: &mut Ctx, ev: &Ev<GhostPresale::Contributed>) -> wraith_sdk::Result<()> {
    let presale = ev.meta.address;
    let block = ev.meta.block_number;
    // contributorCount++ when the address's allocation was still 0.
    let before = ctx.get(
        "presale_contributors",
        Key::new("presale", presale).and("contributor", ev.contributor),
    )?;
    let new_contributor = match &before {
        Some(row) => row.u256("data_allocation")?.is_zero(),
        None => true,
    };
    ctx.push(
        Write::insert("presale_contributions")
            .meta(&ev.meta)
            .col("presale", presale)
            .col("contributor", ev.contributor)
            .col("eth_amount", ev.ethAmount)
            .col("data_allocation", ev.dataAllocation)
            .col("avg_price", ev.avgPrice)
            .col("spot_price", ev.spotPrice),
    );
    ctx.push(
        Write::upsert("presale_contributors")
            .key("presale", presale)
            .key("contributor", ev.contributor)
            .add("eth_contributed", ev.ethAmount)
            .add("eth_spent_total", ev.ethAmount)
            .add("data_allocation", ev.dataAllocation)
            .add("contribution_count", 1u32)
            .set("updated_at_block", block),
    );
    ctx.push(
        state(ev)
            .add("total_raised_eth", ev.ethAmount)
            .add("total_sold_data", ev.dataAllocation)
            .add("contribution_count", 1u32)
            .add("contributor_count", u32::from(new_contributor))
            .set("spot_price", ev.spotPrice),
    );
    Ok(())
}

impl AdminEvent for GhostPresale::PresaleOpened {
    const NAME: &'static str = "PresaleOpened";
    fn args(&self) -> Value {
        json!({ "timestamp": self.timestamp.to_string() })
    }
}

fn on_opened(ctx: &mut Ctx, ev: &Ev<GhostPresale::PresaleOpened>) -> wraith_sdk::Result<()> {
    ctx.push(
        state(ev)
            .set("state", "open")
            .set("opened_at", time(&ev.meta)),
    );
    ctx.push(admin_row(ev, Presale::NAME));
    Ok(())
}

impl AdminEvent for GhostPresale::PresaleFinalized {
    const NAME: &'static str = "PresaleFinalized";
    fn args(&self) -> Value {
        json!({
            "total_raised_eth": self.totalRaised.to_string(),
            "total_sold": self.totalSold.to_string(),
            "contributors": self.contributors.to_string(),
        })
    }
}

fn on_finalized(ctx: &mut Ctx, ev: &Ev<GhostPresale::PresaleFinalized>) -> wraith_sdk::Result<()> {
    let Some(row) = ctx.get("presale_state", Key::new("presale", ev.meta.address))? else {
        wraith_sdk::bail!("PresaleFinalized for a presale never seen opening");
    };
    let raised = row.u256("total_raised_eth")?;
    let sold = row.u256("total_sold_data")?;
    let contributors = U256::from(u64::try_from(row.i64("contributor_count")?).unwrap_or(0));
    if raised != ev.totalRaised || sold != ev.totalSold || contributors != ev.contributors {
        wraith_sdk::bail!(
            "PresaleFinalized({}, {}, {}) differs from the contributions seen ({raised}, {sold}, {contributors})",
            ev.totalRaised,
            ev.totalSold,
            ev.contributors
        );
    }
    ctx.push(
        state(ev)
            .set("state", "finalized")
            .set("finalized_at", time(&ev.meta))
            .set("final_raised_eth", ev.totalRaised)
            .set("final_sold_data", ev.totalSold)
            .set("final_contributors", ev.contributors),
    );
    ctx.push(admin_row(ev, Presale::NAME));
    Ok(())
}

impl AdminEvent for GhostPresale::ConfigUpdated {
    const NAME: &'static str = "ConfigUpdated";
    fn args(&self) -> Value {
        let c = &self.config;
        json!({
            "min_contribution_eth": c.minContribution.to_string(),
            "max_contribution_eth": c.maxContribution.to_string(),
            "max_per_wallet_eth": c.maxPerWallet.to_string(),
            "allow_multiple_contributions": c.allowMultipleContributions,
            "start_time": c.startTime.to_string(),
            "end_time": c.endTime.to_string(),
            "emergency_deadline": c.emergencyDeadline.to_string(),
        })
    }
}

/// `ConfigUpdated` carries a struct: declared through [`Flat`] so that the
/// host can parse the declaration.
fn on_config_updated(
    ctx: &mut Ctx,
    ev: &Ev<Flat<GhostPresale::ConfigUpdated>>,
) -> wraith_sdk::Result<()> {
    let c = &ev.config;
    ctx.push(
        state(ev)
            .set("min_contribution_eth", c.minContribution)
            .set("max_contribution_eth", c.maxContribution)
            .set("max_per_wallet_eth", c.maxPerWallet)
            .set("allow_multiple", c.allowMultipleContributions)
            .set("start_time", c.startTime)
            .set("end_time", c.endTime)
            .set("emergency_deadline", c.emergencyDeadline),
    );
    ctx.push(admin_row(ev, Presale::NAME));
    Ok(())
}

fn on_tranche_completed(
    ctx: &mut Ctx,
    ev: &Ev<GhostPresale::TrancheCompleted>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        Write::insert("presale_tranches_completed")
            .meta(&ev.meta)
            .col("presale", ev.meta.address)
            .col("tranche_index", ev.trancheIndex)
            .col("next_price", ev.nextPrice),
    );
    ctx.push(state(ev).add("tranches_completed", 1u32));
    Ok(())
}

impl AdminEvent for GhostPresale::RefundsEnabled {
    const NAME: &'static str = "RefundsEnabled";
    fn args(&self) -> Value {
        json!({})
    }
}

fn on_refunds_enabled(
    ctx: &mut Ctx,
    ev: &Ev<GhostPresale::RefundsEnabled>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        state(ev)
            .set("state", "refunding")
            .set("refunds_enabled_at", time(&ev.meta)),
    );
    ctx.push(admin_row(ev, Presale::NAME));
    Ok(())
}

fn on_refunded(ctx: &mut Ctx, ev: &Ev<GhostPresale::Refunded>) -> wraith_sdk::Result<()> {
    let presale = ev.meta.address;
    let Some(row) = ctx.get(
        "presale_contributors",
        Key::new("presale", presale).and("contributor", ev.contributor),
    )?
    else {
        wraith_sdk::bail!("Refunded {:#x}, who never contributed", ev.contributor);
    };
    let contributed = row.u256("eth_contributed")?;
    if contributed != ev.ethAmount {
        wraith_sdk::bail!(
            "Refunded {:#x} {} wei, the contributions seen add up to {contributed}",
            ev.contributor,
            ev.ethAmount
        );
    }
    ctx.push(
        Write::insert("presale_refunds")
            .meta(&ev.meta)
            .col("presale", presale)
            .col("contributor", ev.contributor)
            .col("eth_amount", ev.ethAmount),
    );
    // The ETH contribution is zeroed; the DATA allocation stays recorded.
    ctx.push(
        Write::update("presale_contributors")
            .key("presale", presale)
            .key("contributor", ev.contributor)
            .set("eth_contributed", U256::ZERO)
            .add("eth_refunded", ev.ethAmount)
            .set("updated_at_block", ev.meta.block_number),
    );
    ctx.push(state(ev).add("total_refunded_eth", ev.ethAmount));
    Ok(())
}

impl AdminEvent for GhostPresale::TranchesCleared {
    const NAME: &'static str = "TranchesCleared";
    fn args(&self) -> Value {
        json!({})
    }
}

impl AdminEvent for GhostPresale::ETHWithdrawn {
    const NAME: &'static str = "ETHWithdrawn";
    fn args(&self) -> Value {
        json!({ "to": hex(self.to), "amount_eth": self.amount.to_string() })
    }
}

fn on_eth_withdrawn(ctx: &mut Ctx, ev: &Ev<GhostPresale::ETHWithdrawn>) -> wraith_sdk::Result<()> {
    ctx.push(state(ev).add("eth_withdrawn", ev.amount));
    ctx.push(admin_row(ev, Presale::NAME));
    Ok(())
}

impl AdminEvent for GhostPresale::EndTimeExtended {
    const NAME: &'static str = "EndTimeExtended";
    fn args(&self) -> Value {
        json!({
            "old_end_time": self.oldEndTime.to_string(),
            "new_end_time": self.newEndTime.to_string(),
        })
    }
}

fn on_end_time_extended(
    ctx: &mut Ctx,
    ev: &Ev<GhostPresale::EndTimeExtended>,
) -> wraith_sdk::Result<()> {
    ctx.push(state(ev).set("end_time", ev.newEndTime));
    ctx.push(admin_row(ev, Presale::NAME));
    Ok(())
}

impl AdminEvent for GhostPresale::EmergencyRefundsTriggered {
    const NAME: &'static str = "EmergencyRefundsTriggered";
    fn args(&self) -> Value {
        json!({ "triggered_by": hex(self.triggeredBy), "timestamp": self.timestamp.to_string() })
    }
}

fn on_emergency_refunds(
    ctx: &mut Ctx,
    ev: &Ev<GhostPresale::EmergencyRefundsTriggered>,
) -> wraith_sdk::Result<()> {
    // RefundsEnabled follows in the same transaction and sets the state.
    ctx.push(state(ev).set("emergency_triggered_by", ev.triggeredBy));
    ctx.push(admin_row(ev, Presale::NAME));
    Ok(())
}

fn on_paused(ctx: &mut Ctx, ev: &Ev<Oz::Paused>) -> wraith_sdk::Result<()> {
    ctx.push(state(ev).set("paused", true));
    ctx.push(admin_row(ev, Presale::NAME));
    Ok(())
}

fn on_unpaused(ctx: &mut Ctx, ev: &Ev<Oz::Unpaused>) -> wraith_sdk::Result<()> {
    ctx.push(state(ev).set("paused", false));
    ctx.push(admin_row(ev, Presale::NAME));
    Ok(())
}
