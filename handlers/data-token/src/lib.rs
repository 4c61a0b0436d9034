//! GHOSTNET DataToken handler: balances, transfers, the transfer tax,
//! burns, exclusions and approvals.
//!
//! Models `DataToken` (CONTRACTS.md §3.4, §5), and works unchanged for the
//! plain testnet mock "mDATA" (no tax events there). Bind logical contract
//! `DataToken` to the token address(es); every table is keyed by token.
//!
//! * **Balances** (`token_balances`) follow the `Transfer` logs: exact,
//!   including the tax legs, without reads. `0x0` is not a holder;
//!   `0xdEaD` is (it holds every protocol burn).
//! * **Transfers** (`token_transfers`): one row per logical transfer. A
//!   taxed transfer is `Transfer(from, to, net)`, `Transfer(from, 0xdEaD,
//!   burn)`, `Transfer(from, treasury, treasuryPart)`, `TaxBurned(from,
//!   burn)`, `TaxCollected(from, treasuryPart)` — consecutive logs, since
//!   nothing runs between them. Whether a `Transfer` is taxed is only known
//!   three logs later, so every `Transfer` first gets its own row (keyed by
//!   block and log index); `TaxBurned` (log *i*) then folds the two legs
//!   (*i*−2, *i*−1) into the net row (*i*−3): `gross = net + burn +
//!   treasury`, `tax_burned`, `tax_collected`, `taxed = true`, and deletes
//!   the legs. It checks the contract's integer split exactly — tax =
//!   ⌊gross × 1000 / 10000⌋, burn = ⌊tax × 9000 / 10000⌋, treasury = tax −
//!   burn, net = gross − tax — and that the three logs come from the same
//!   sender, and fails loudly otherwise. `TaxCollected` re-checks the
//!   treasury part.
//! * **Burns by sink**: `kind = 'supply_burn'` for transfers to `0x0`
//!   (`burn()`/`burnFrom()`, supply decreases), `'dead_burn'` for untaxed
//!   transfers to `0xdEaD` (protocol burns: cascades, culling, rakes,
//!   buybacks; supply unchanged); tax burns are `tax_burned` on the taxed
//!   row. `token_stats` keeps them apart (`supply_burned`, `dead_burned`,
//!   `tax_burned`), with `minted`, `total_supply`, `tax_collected` and the
//!   transfer volume — gross, a taxed transfer counted once — all
//!   maintained with additive merges (no reads).
//! * `TaxExclusionSet` is the only record of exclusions: `tax_exclusions`,
//!   and an `admin_events` row. `Approval` keeps the approved value per
//!   (owner, spender) in `token_approvals` — OpenZeppelin 5 emits no
//!   `Approval` when `transferFrom` spends, so it is not the remaining
//!   allowance. `OwnershipTransferred`/`OwnershipTransferStarted` go to
//!   `admin_events`.
//!
//! No stream messages: a `LARGE_TRANSFER` feed event would need the gross
//! amount, which a taxed transfer only reveals three logs after its first
//! `Transfer`; consumers can select large rows from `token_transfers`.

use ghostnet_common::{AdminEvent, Contract, DEAD, Oz, admin_row, bps_of, hex};
use wraith_sdk::serde_json::Value;
use wraith_sdk::{Address, Ctx, Ev, Key, Row, U256, Write, json, sol};

sol! {
    /// The DataToken events (CONTRACTS.md §3.4).
    #[sol(abi)]
    contract DataToken {
        event Transfer(address indexed from, address indexed to, uint256 value);
        event Approval(address indexed owner, address indexed spender, uint256 value);
        event TaxExclusionSet(address indexed account, bool excluded);
        event TaxBurned(address indexed from, uint256 amount);
        event TaxCollected(address indexed from, uint256 amount);
    }
}

/// The logical contract whose admin events this handler records.
#[derive(Debug)]
pub struct Token;

impl Contract for Token {
    const NAME: &'static str = "DataToken";
}

wraith_sdk::handler! {
    name: "data-token",
    tables: [
        token_balances: Entity,
        token_transfers: Entity,
        tax_exclusions: Entity,
        token_approvals: Entity,
        token_stats: Entity,
        admin_events: AppendOnly,
    ],
    streams: [],
    events: [
        "DataToken": DataToken::Transfer => on_transfer,
        "DataToken": DataToken::Approval => on_approval,
        "DataToken": DataToken::TaxExclusionSet => on_tax_exclusion_set,
        "DataToken": DataToken::TaxBurned => on_tax_burned,
        "DataToken": DataToken::TaxCollected => on_tax_collected,
        "DataToken": Oz::OwnershipTransferred => ghostnet_common::admin::<Token, _>,
        "DataToken": Oz::OwnershipTransferStarted => ghostnet_common::admin::<Token, _>,
    ],
}

/// Transfer tax (of the gross amount).
const TAX_RATE_BPS: u64 = 1000;
/// Share of the tax sent to 0xdEaD (the rest goes to the treasury).
const BURN_SHARE_BPS: u64 = 9000;

fn stats(token: Address, block: u64) -> Write {
    Write::upsert("token_stats")
        .key("token_address", token)
        .set("updated_at_block", block)
}

fn balance(ctx: &mut Ctx, token: Address, holder: Address, delta: U256, add: bool, block: u64) {
    if holder == Address::ZERO {
        return;
    }
    let w = Write::upsert("token_balances")
        .key("token_address", token)
        .key("holder", holder)
        .set("updated_at_block", block);
    ctx.push(if add {
        w.add("balance", delta)
    } else {
        w.sub("balance", delta)
    });
}

fn on_transfer(ctx: &mut Ctx, ev: &Ev<DataToken::Transfer>) -> wraith_sdk::Result<()> {
    let token = ev.meta.address;
    let block = ev.meta.block_number;
    balance(ctx, token, ev.from, ev.value, false, block);
    balance(ctx, token, ev.to, ev.value, true, block);
    let kind = if ev.from == Address::ZERO {
        "mint"
    } else if ev.to == Address::ZERO {
        "supply_burn"
    } else if ev.to == DEAD {
        "dead_burn"
    } else {
        "transfer"
    };
    ctx.push(
        Write::upsert("token_transfers")
            .key("block_number", block)
            .key("log_index", ev.meta.log_index)
            .set("block_time", ghostnet_common::time(&ev.meta))
            .set("tx_hash", ev.meta.tx_hash)
            .set("token_address", token)
            .set("from_address", ev.from)
            .set("to_address", ev.to)
            .set("kind", kind)
            .set("gross", ev.value)
            .set("net", ev.value),
    );
    let s = stats(token, block);
    ctx.push(match kind {
        "mint" => s.add("minted", ev.value).add("total_supply", ev.value),
        "supply_burn" => s
            .add("supply_burned", ev.value)
            .sub("total_supply", ev.value),
        "dead_burn" => s.add("dead_burned", ev.value),
        _ => s
            .add("transfer_volume", ev.value)
            .add("transfer_count", 1u32),
    });
    Ok(())
}

/// The `token_transfers` row of the Transfer log `back` logs before `ev`.
fn leg<E>(ctx: &mut Ctx, ev: &Ev<E>, back: u32) -> wraith_sdk::Result<Row> {
    let Some(index) = ev.meta.log_index.checked_sub(back) else {
        wraith_sdk::bail!(
            "tax event at log {} has no Transfer {back} logs before it",
            ev.meta.log_index
        );
    };
    match ctx.get(
        "token_transfers",
        Key::new("block_number", ev.meta.block_number).and("log_index", index),
    )? {
        Some(row) => Ok(row),
        None => wraith_sdk::bail!(
            "tax event at log {}: no Transfer at log {index} (a taxed transfer is three consecutive Transfer logs)",
            ev.meta.log_index
        ),
    }
}

fn on_tax_burned(ctx: &mut Ctx, ev: &Ev<DataToken::TaxBurned>) -> wraith_sdk::Result<()> {
    let token = ev.meta.address;
    let block = ev.meta.block_number;
    let net_row = leg(ctx, ev, 3)?;
    let burn_row = leg(ctx, ev, 2)?;
    let treasury_row = leg(ctx, ev, 1)?;
    for (row, what) in [
        (&net_row, "net"),
        (&burn_row, "burn"),
        (&treasury_row, "treasury"),
    ] {
        if row.address("from_address")? != ev.from {
            wraith_sdk::bail!(
                "TaxBurned from {:#x} but the {what} leg is from {:#x}",
                ev.from,
                row.address("from_address")?
            );
        }
    }
    if burn_row.address("to_address")? != DEAD || burn_row.u256("gross")? != ev.amount {
        wraith_sdk::bail!(
            "TaxBurned({}) is not preceded by a Transfer of that amount to 0xdEaD",
            ev.amount
        );
    }
    let net = net_row.u256("gross")?;
    let treasury = treasury_row.u256("gross")?;
    let gross = net + ev.amount + treasury;
    let tax = bps_of(gross, TAX_RATE_BPS)?;
    let burn = bps_of(tax, BURN_SHARE_BPS)?;
    if burn != ev.amount || tax - burn != treasury || gross - tax != net {
        wraith_sdk::bail!(
            "taxed transfer of {gross}: logs say net {net} / burn {} / treasury {treasury}, the contract's split is {} / {burn} / {}",
            ev.amount,
            gross - tax,
            tax - burn
        );
    }
    let net_log = ev.meta.log_index - 3;
    ctx.push(
        Write::update("token_transfers")
            .key("block_number", block)
            .key("log_index", net_log)
            .set("gross", gross)
            .set("tax_burned", burn)
            .set("tax_collected", treasury)
            .set("taxed", true),
    );
    for back in [2u32, 1] {
        ctx.push(
            Write::delete("token_transfers")
                .key("block_number", block)
                .key("log_index", ev.meta.log_index - back),
        );
    }
    // The legs were counted as a protocol burn and a second transfer.
    ctx.push(
        stats(token, block)
            .sub("dead_burned", burn)
            .add("tax_burned", burn)
            .add("tax_collected", treasury)
            .add("transfer_volume", burn)
            .sub("transfer_count", 1u32)
            .add("taxed_transfer_count", 1u32),
    );
    Ok(())
}

fn on_tax_collected(ctx: &mut Ctx, ev: &Ev<DataToken::TaxCollected>) -> wraith_sdk::Result<()> {
    // Follows TaxBurned directly; the net row is four logs back.
    let row = leg(ctx, ev, 4)?;
    if !row.bool("taxed")?
        || row.address("from_address")? != ev.from
        || row.u256("tax_collected")? != ev.amount
    {
        wraith_sdk::bail!(
            "TaxCollected({:#x}, {}) does not match the taxed transfer four logs before it",
            ev.from,
            ev.amount
        );
    }
    Ok(())
}

fn on_approval(ctx: &mut Ctx, ev: &Ev<DataToken::Approval>) -> wraith_sdk::Result<()> {
    ctx.push(
        Write::upsert("token_approvals")
            .key("token_address", ev.meta.address)
            .key("owner_address", ev.owner)
            .key("spender", ev.spender)
            .set("approved_value", ev.value)
            .set("updated_at_block", ev.meta.block_number),
    );
    Ok(())
}

impl AdminEvent for DataToken::TaxExclusionSet {
    const NAME: &'static str = "TaxExclusionSet";
    fn args(&self) -> Value {
        json!({ "account": hex(self.account), "excluded": self.excluded })
    }
}

fn on_tax_exclusion_set(
    ctx: &mut Ctx,
    ev: &Ev<DataToken::TaxExclusionSet>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        Write::upsert("tax_exclusions")
            .key("token_address", ev.meta.address)
            .key("account", ev.account)
            .set("excluded", ev.excluded)
            .set("updated_at_block", ev.meta.block_number),
    );
    ctx.push(admin_row(ev, Token::NAME));
    Ok(())
}
