//! GHOSTNET FeeRouter handler: ETH tolls, DATA buybacks, operations
//! payouts and configuration.
//!
//! Models `FeeRouter` (CONTRACTS.md §3.5). **Units**: every amount is native
//! ETH wei except `BuybackExecuted.dataReceived`/`dataBurned`, which are DATA
//! wei; the column names say which (`eth_*` / `data_*`).
//!
//! * `TollCollected(from, amount, reason)`: `from` is the **collector** — the
//!   authorised contract that called `collectToll`, or the sender of plain
//!   ETH — not necessarily the paying user. It is stored as `collector`;
//!   the transaction sender comes with the log (`[tx_input]`) and is stored
//!   as `tx_sender` (for a toll collected by a game contract, the player).
//!   `amount` may exceed the configured toll. Plain ETH has the reason
//!   `bytes32("direct")`; `reason_text` is the reason decoded as ASCII when
//!   it is printable text padded with zeros.
//! * `executeBuyback` splits the whole balance: 10 % to operations
//!   (`OperationsWithdrawn`), 90 % swapped and sent to 0xdEaD
//!   (`BuybackExecuted` with `dataBurned == dataReceived`, checked). Without
//!   a swap router the 90 % stays and there is no `BuybackExecuted`.
//!   `executeBuybackWithData` pays operations **without**
//!   `OperationsWithdrawn`, so `total_operations_eth` counts only the
//!   evented payouts.
//! * `SwapRouterUpdated`, `TollAmountUpdated`, `OperationsWalletUpdated`
//!   update `fee_router_state` and go to `admin_events`. The constructor
//!   sets these values without an event: they are NULL until the first
//!   update. Collector authorisation and emergency withdrawals emit
//!   nothing and are not visible.
//! * `OwnershipTransferred`/`OwnershipTransferStarted` go to `admin_events`.
//!
//! Feed event `BUYBACK` (eth_spent, data_burned) on `ghostnet.fees`.

use ghostnet_common::{AdminEvent, Contract, Oz, admin_row, hex};
use wraith_sdk::serde_json::Value;
use wraith_sdk::{B256, Ctx, Ev, Message, Write, json, sol};

sol! {
    /// The FeeRouter events (CONTRACTS.md §3.5).
    #[sol(abi)]
    contract FeeRouter {
        event TollCollected(address indexed from, uint256 amount, bytes32 indexed reason);
        event BuybackExecuted(uint256 ethSpent, uint256 dataReceived, uint256 dataBurned);
        event OperationsWithdrawn(address indexed to, uint256 amount);
        event SwapRouterUpdated(address indexed newRouter);
        event TollAmountUpdated(uint256 newAmount);
        event OperationsWalletUpdated(address indexed newWallet);
    }
}

/// The logical contract whose admin events this handler records.
#[derive(Debug)]
pub struct Router;

impl Contract for Router {
    const NAME: &'static str = "FeeRouter";
}

wraith_sdk::handler! {
    name: "fee-router",
    tables: [
        fee_router_tolls: AppendOnly,
        fee_router_buybacks: AppendOnly,
        fee_router_operations: AppendOnly,
        fee_router_state: Entity,
        admin_events: AppendOnly,
    ],
    streams: ["ghostnet.fees"],
    events: [
        "FeeRouter": FeeRouter::TollCollected => on_toll_collected [tx_input],
        "FeeRouter": FeeRouter::BuybackExecuted => on_buyback_executed,
        "FeeRouter": FeeRouter::OperationsWithdrawn => on_operations_withdrawn,
        "FeeRouter": FeeRouter::SwapRouterUpdated => on_swap_router_updated,
        "FeeRouter": FeeRouter::TollAmountUpdated => on_toll_amount_updated,
        "FeeRouter": FeeRouter::OperationsWalletUpdated => on_operations_wallet_updated,
        "FeeRouter": Oz::OwnershipTransferred => ghostnet_common::admin::<Router, _>,
        "FeeRouter": Oz::OwnershipTransferStarted => ghostnet_common::admin::<Router, _>,
    ],
}

fn state<E>(ev: &Ev<E>) -> Write {
    Write::upsert("fee_router_state")
        .key("router", ev.meta.address)
        .set("updated_at_block", ev.meta.block_number)
}

/// A bytes32 reason as text: printable ASCII followed only by zero bytes.
fn reason_text(reason: B256) -> Option<String> {
    let end = reason.iter().position(|b| *b == 0).unwrap_or(32);
    let (text, padding) = reason.split_at(end);
    if text.is_empty()
        || padding.iter().any(|b| *b != 0)
        || !text.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
    {
        return None;
    }
    String::from_utf8(text.to_vec()).ok()
}

fn on_toll_collected(ctx: &mut Ctx, ev: &Ev<FeeRouter::TollCollected>) -> wraith_sdk::Result<()> {
    ctx.push(
        Write::insert("fee_router_tolls")
            .meta(&ev.meta)
            .col("router", ev.meta.address)
            .col("collector", ev.from)
            .col("tx_sender", ev.meta.sender)
            .col("eth_amount", ev.amount)
            .col("reason", ev.reason)
            .col("reason_text", reason_text(ev.reason)),
    );
    ctx.push(
        state(ev)
            .add("total_tolls_eth", ev.amount)
            .add("toll_count", 1u32),
    );
    Ok(())
}

fn on_buyback_executed(
    ctx: &mut Ctx,
    ev: &Ev<FeeRouter::BuybackExecuted>,
) -> wraith_sdk::Result<()> {
    if ev.dataBurned != ev.dataReceived {
        wraith_sdk::bail!(
            "BuybackExecuted burned {} of {} DATA received; the contract burns all of it",
            ev.dataBurned,
            ev.dataReceived
        );
    }
    ctx.push(
        Write::insert("fee_router_buybacks")
            .meta(&ev.meta)
            .col("router", ev.meta.address)
            .col("eth_spent", ev.ethSpent)
            .col("data_received", ev.dataReceived)
            .col("data_burned", ev.dataBurned),
    );
    ctx.push(
        state(ev)
            .add("total_buyback_eth", ev.ethSpent)
            .add("total_data_burned", ev.dataBurned)
            .add("buyback_count", 1u32),
    );
    ctx.push(Message::new(
        "ghostnet.fees",
        hex(ev.meta.address),
        json!({
            "type": "BUYBACK",
            "data": {
                "eth_spent": ev.ethSpent.to_string(),
                "data_burned": ev.dataBurned.to_string(),
            },
            "timestamp": ev.meta.block_timestamp * 1000,
        }),
    ));
    Ok(())
}

fn on_operations_withdrawn(
    ctx: &mut Ctx,
    ev: &Ev<FeeRouter::OperationsWithdrawn>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        Write::insert("fee_router_operations")
            .meta(&ev.meta)
            .col("router", ev.meta.address)
            .col("to_address", ev.to)
            .col("eth_amount", ev.amount),
    );
    ctx.push(state(ev).add("total_operations_eth", ev.amount));
    Ok(())
}

impl AdminEvent for FeeRouter::SwapRouterUpdated {
    const NAME: &'static str = "SwapRouterUpdated";
    fn args(&self) -> Value {
        json!({ "new_router": hex(self.newRouter) })
    }
}

impl AdminEvent for FeeRouter::TollAmountUpdated {
    const NAME: &'static str = "TollAmountUpdated";
    fn args(&self) -> Value {
        json!({ "new_amount_eth": self.newAmount.to_string() })
    }
}

impl AdminEvent for FeeRouter::OperationsWalletUpdated {
    const NAME: &'static str = "OperationsWalletUpdated";
    fn args(&self) -> Value {
        json!({ "new_wallet": hex(self.newWallet) })
    }
}

fn on_swap_router_updated(
    ctx: &mut Ctx,
    ev: &Ev<FeeRouter::SwapRouterUpdated>,
) -> wraith_sdk::Result<()> {
    ctx.push(state(ev).set("swap_router", ev.newRouter));
    ctx.push(admin_row(ev, Router::NAME));
    Ok(())
}

fn on_toll_amount_updated(
    ctx: &mut Ctx,
    ev: &Ev<FeeRouter::TollAmountUpdated>,
) -> wraith_sdk::Result<()> {
    ctx.push(state(ev).set("toll_amount_eth", ev.newAmount));
    ctx.push(admin_row(ev, Router::NAME));
    Ok(())
}

fn on_operations_wallet_updated(
    ctx: &mut Ctx,
    ev: &Ev<FeeRouter::OperationsWalletUpdated>,
) -> wraith_sdk::Result<()> {
    ctx.push(state(ev).set("operations_wallet", ev.newWallet));
    ctx.push(admin_row(ev, Router::NAME));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ghostnet_common::hex32;

    #[test]
    fn direct_reason_decodes_as_text() {
        let mut b = [0u8; 32];
        b[..6].copy_from_slice(b"direct");
        assert_eq!(reason_text(B256::from(b)).as_deref(), Some("direct"));
        assert_eq!(reason_text(B256::repeat_byte(0xff)), None);
        assert_eq!(reason_text(B256::ZERO), None);
        assert_eq!(
            hex32(B256::from(b)),
            "0x6469726563740000000000000000000000000000000000000000000000000000"
        );
    }
}
