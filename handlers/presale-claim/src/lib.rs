//! GHOSTNET PresaleClaim handler: claims of presale allocations.
//!
//! Models `PresaleClaim` (CONTRACTS.md §3.14). Amounts are DATA wei.
//!
//! * `Claimed(claimer, amount)`: an address's allocation paid once (read
//!   live from the presale, or from an owner snapshot when the live value is
//!   0 — the handler does not need to know which). Appended to
//!   `presale_claims` and summed in `presale_claim_state`.
//! * `ClaimingEnabled(totalSupplyAvailable)` reports the DATA balance held
//!   when claiming opened; `AllocationsSnapshotted(count)` counts the
//!   addresses snapshotted in one call (the snapshotted values are not in
//!   the event: read `snapshotted(address)` by `eth_call`);
//!   `UnclaimedRecovered(to, amount)` after the claim deadline ends all
//!   claiming (`recovered = true`).
//! * These three, `Paused`/`Unpaused` and the Ownable2Step events also go
//!   to the shared `admin_events` audit trail.

use ghostnet_common::{AdminEvent, Contract, Oz, admin_row, hex};
use wraith_sdk::serde_json::Value;
use wraith_sdk::{Ctx, Ev, Write, json, sol};

sol! {
    /// The PresaleClaim events (CONTRACTS.md §3.14).
    #[sol(abi)]
    contract PresaleClaim {
        event Claimed(address indexed claimer, uint256 amount);
        event ClaimingEnabled(uint256 totalSupplyAvailable);
        event AllocationsSnapshotted(uint256 count);
        event UnclaimedRecovered(address indexed to, uint256 amount);
    }
}

/// The logical contract whose admin events this handler records.
#[derive(Debug)]
pub struct Claim;

impl Contract for Claim {
    const NAME: &'static str = "PresaleClaim";
}

wraith_sdk::handler! {
    name: "presale-claim",
    tables: [presale_claims: AppendOnly, presale_claim_state: Entity, admin_events: AppendOnly],
    streams: [],
    events: [
        "PresaleClaim": PresaleClaim::Claimed => on_claimed,
        "PresaleClaim": PresaleClaim::ClaimingEnabled => on_claiming_enabled,
        "PresaleClaim": PresaleClaim::AllocationsSnapshotted => on_snapshotted,
        "PresaleClaim": PresaleClaim::UnclaimedRecovered => on_recovered,
        "PresaleClaim": Oz::Paused => on_paused,
        "PresaleClaim": Oz::Unpaused => on_unpaused,
        "PresaleClaim": Oz::OwnershipTransferred => ghostnet_common::admin::<Claim, _>,
        "PresaleClaim": Oz::OwnershipTransferStarted => ghostnet_common::admin::<Claim, _>,
    ],
}

fn state<E>(ev: &Ev<E>) -> Write {
    Write::upsert("presale_claim_state")
        .key("claim_contract", ev.meta.address)
        .set("updated_at_block", ev.meta.block_number)
}

fn on_claimed(ctx: &mut Ctx, ev: &Ev<PresaleClaim::Claimed>) -> wraith_sdk::Result<()> {
    ctx.push(
        Write::insert("presale_claims")
            .meta(&ev.meta)
            .col("claim_contract", ev.meta.address)
            .col("claimer", ev.claimer)
            .col("amount", ev.amount),
    );
    ctx.push(
        state(ev)
            .add("total_claimed", ev.amount)
            .add("claim_count", 1u32),
    );
    Ok(())
}

impl AdminEvent for PresaleClaim::ClaimingEnabled {
    const NAME: &'static str = "ClaimingEnabled";
    fn args(&self) -> Value {
        json!({ "total_supply_available": self.totalSupplyAvailable.to_string() })
    }
}

fn on_claiming_enabled(
    ctx: &mut Ctx,
    ev: &Ev<PresaleClaim::ClaimingEnabled>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        state(ev)
            .set("claiming_enabled", true)
            .set("supply_available", ev.totalSupplyAvailable),
    );
    ctx.push(admin_row(ev, Claim::NAME));
    Ok(())
}

impl AdminEvent for PresaleClaim::AllocationsSnapshotted {
    const NAME: &'static str = "AllocationsSnapshotted";
    fn args(&self) -> Value {
        json!({ "count": self.count.to_string() })
    }
}

fn on_snapshotted(
    ctx: &mut Ctx,
    ev: &Ev<PresaleClaim::AllocationsSnapshotted>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        state(ev)
            .add("snapshot_batches", 1u32)
            .add("snapshot_accounts", ev.count),
    );
    ctx.push(admin_row(ev, Claim::NAME));
    Ok(())
}

impl AdminEvent for PresaleClaim::UnclaimedRecovered {
    const NAME: &'static str = "UnclaimedRecovered";
    fn args(&self) -> Value {
        json!({ "to": hex(self.to), "amount": self.amount.to_string() })
    }
}

fn on_recovered(
    ctx: &mut Ctx,
    ev: &Ev<PresaleClaim::UnclaimedRecovered>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        state(ev)
            .set("recovered", true)
            .set("recovered_to", ev.to)
            .set("recovered_amount", ev.amount),
    );
    ctx.push(admin_row(ev, Claim::NAME));
    Ok(())
}

fn on_paused(ctx: &mut Ctx, ev: &Ev<Oz::Paused>) -> wraith_sdk::Result<()> {
    ctx.push(state(ev).set("paused", true));
    ctx.push(admin_row(ev, Claim::NAME));
    Ok(())
}

fn on_unpaused(ctx: &mut Ctx, ev: &Ev<Oz::Unpaused>) -> wraith_sdk::Result<()> {
    ctx.push(state(ev).set("paused", false));
    ctx.push(admin_row(ev, Claim::NAME));
    Ok(())
}
