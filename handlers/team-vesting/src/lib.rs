//! GHOSTNET TeamVesting handler: claims.
//!
//! Models `TeamVesting` (CONTRACTS.md §3.7). Its only event is
//! `TokensClaimed(beneficiary, amount)`, emitted after the DATA transfer of
//! a claim: appended to `vesting_claims` and summed per beneficiary in
//! `vesting_beneficiaries` (total claimed, number of claims, first and last
//! claim time).
//!
//! What the logs do not carry: the schedules (total per beneficiary) are
//! written in the constructor without events, and the vested amount is a
//! function of time (linear over 730 days from deployment, nothing before
//! the 30-day cliff) — read `getVestingInfo(beneficiary)` by `eth_call`.
//! `amount` is the gross claim: unless TeamVesting is tax-excluded the DATA
//! transfer is taxed and the beneficiary receives 90 % (see the
//! `data-token` handler's `token_transfers`). TeamVesting has no owner and
//! no admin events.

use wraith_sdk::{Ctx, Ev, Write, sol};

sol! {
    /// The TeamVesting event (CONTRACTS.md §3.7).
    #[sol(abi)]
    contract TeamVesting {
        event TokensClaimed(address indexed beneficiary, uint256 amount);
    }
}

wraith_sdk::handler! {
    name: "team-vesting",
    tables: [vesting_claims: AppendOnly, vesting_beneficiaries: Entity],
    streams: [],
    events: [
        "TeamVesting": TeamVesting::TokensClaimed => on_tokens_claimed,
    ],
}

fn on_tokens_claimed(ctx: &mut Ctx, ev: &Ev<TeamVesting::TokensClaimed>) -> wraith_sdk::Result<()> {
    let t = ghostnet_common::time(&ev.meta);
    ctx.push(
        Write::insert("vesting_claims")
            .meta(&ev.meta)
            .col("vesting", ev.meta.address)
            .col("beneficiary", ev.beneficiary)
            .col("amount", ev.amount),
    );
    ctx.push(
        Write::upsert("vesting_beneficiaries")
            .key("vesting", ev.meta.address)
            .key("beneficiary", ev.beneficiary)
            .add("total_claimed", ev.amount)
            .add("claim_count", 1u32)
            .keep("first_claim_at", t)
            .set("last_claim_at", t)
            .set("updated_at_block", ev.meta.block_number),
    );
    Ok(())
}
