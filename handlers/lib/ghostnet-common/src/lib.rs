//! Pieces shared by the GHOSTNET handlers (`handlers/ghost-core`,
//! `handlers/trace-scan`, `handlers/data-token`, …): the burn-sink
//! constant, value helpers, and the **admin-event audit trail**.
//!
//! # The `admin_events` table
//!
//! Every GHOSTNET contract inherits OpenZeppelin events (`Initialized`,
//! `Upgraded`, `Paused`/`Unpaused`, `RoleGranted`/`RoleRevoked`/
//! `RoleAdminChanged`, `OwnershipTransferred`/`OwnershipTransferStarted`,
//! CONTRACTS.md §3.16) and some have configuration events of their own
//! (FeeRouter `SwapRouterUpdated`, RewardsDistributor `WeightsUpdated`, …).
//! None of them changes game state, but operators need them as an audit
//! trail: who got which role, when a proxy was upgraded (an upgrade may
//! change event semantics and is an alert), who owns what. They all go to
//! one append-only table shared by the handlers, `admin_events`: emitter
//! address, logical contract name, event name, the arguments as JSON
//! (amounts as decimal strings, addresses and hashes as lowercase hex) and
//! the block columns. Each contract is indexed by exactly one handler, so a
//! log is appended once.
//!
//! A handler subscribes with [`admin`] and a marker type naming its
//! contract:
//!
//! ```ignore
//! struct Core;
//! impl ghostnet_common::Contract for Core { const NAME: &'static str = "GhostCore"; }
//!
//! wraith_sdk::handler! {
//!     …
//!     events: [ "GhostCore": Oz::RoleGranted => ghostnet_common::admin::<Core, _> ],
//! }
//! ```

use alloy_sol_types::abi::token::WordToken;
use alloy_sol_types::private::alloy_json_abi::Event as AbiEvent;
use alloy_sol_types::{JsonAbiExt, SolEvent, SolType};
use wraith_sdk::primitives::keccak256;
use wraith_sdk::serde_json::Value;
use wraith_sdk::{Address, B256, Ctx, Ev, Json, Meta, Timestamp, U256, Write, json, sol};

/// `0x000000000000000000000000000000000000dEaD`: the burn sink of every
/// protocol burn (tax, cascade, culling, rake, buyback). Supply does not
/// change; `burn()` sends to `0x0` instead.
pub const DEAD: Address = Address::new([
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad,
]);

/// Basis-point denominator used by every GHOSTNET contract.
pub const BPS: u64 = 10_000;

/// An address as lowercase `0x` hex (the API's rendering).
pub fn hex(a: Address) -> String {
    format!("{a:#x}")
}

/// 32 bytes as lowercase `0x` hex.
pub fn hex32(b: B256) -> String {
    format!("{b:#x}")
}

/// Seconds since the epoch as a column value (saturating: chain
/// timestamps are far below `i64::MAX`).
pub fn ts(secs: u64) -> Timestamp {
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// The block time of an event.
pub fn time(meta: &Meta) -> Timestamp {
    ts(meta.block_timestamp)
}

/// `x * num / den` with a 512-bit intermediate, as Solidity computes
/// `(x * num) / den` when the product fits (it always does for the
/// GHOSTNET amounts; the wide product only guards against overflow here).
pub fn mul_div(x: U256, num: U256, den: U256) -> wraith_sdk::Result<U256> {
    if den.is_zero() {
        wraith_sdk::bail!("division by zero in mul_div({x}, {num}, 0)");
    }
    match x.checked_mul(num) {
        Some(p) => Ok(p / den),
        None => wraith_sdk::bail!("overflow in {x} * {num}: the contract would have reverted"),
    }
}

/// `x * bps / 10000` (integer division, as the contracts compute shares).
pub fn bps_of(x: U256, bps: u64) -> wraith_sdk::Result<U256> {
    mul_div(x, U256::from(bps), U256::from(BPS))
}

/// The GhostCore level enum (CONTRACTS.md §3.1): `Some(name)` for 1–5.
pub fn level_name(level: u8) -> Option<&'static str> {
    match level {
        1 => Some("VAULT"),
        2 => Some("MAINFRAME"),
        3 => Some("SUBNET"),
        4 => Some("DARKNET"),
        5 => Some("BLACK_ICE"),
        _ => None,
    }
}

/// Reject a level outside VAULT…BLACK_ICE.
pub fn check_level(level: u8) -> wraith_sdk::Result<u8> {
    match level_name(level) {
        Some(_) => Ok(level),
        None => wraith_sdk::bail!("invalid level {level} (expected 1..=5)"),
    }
}

sol! {
    /// The OpenZeppelin 5.2 events GHOSTNET contracts inherit (CONTRACTS.md
    /// §3.16), except the ERC-20 ones.
    #[sol(abi)]
    contract Oz {
        event Initialized(uint64 version);
        event Upgraded(address indexed implementation);
        event Paused(address account);
        event Unpaused(address account);
        event RoleGranted(bytes32 indexed role, address indexed account, address indexed sender);
        event RoleRevoked(bytes32 indexed role, address indexed account, address indexed sender);
        event RoleAdminChanged(bytes32 indexed role, bytes32 indexed previousAdminRole, bytes32 indexed newAdminRole);
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    }
}

/// The role names of CONTRACTS.md §3.16 (all `keccak256(name)`, except
/// `DEFAULT_ADMIN_ROLE` = zero), for readable audit rows.
const ROLE_NAMES: &[&str] = &[
    "SCANNER_ROLE",
    "DISTRIBUTOR_ROLE",
    "PAUSER_ROLE",
    "KEEPER_ROLE",
    "ROUND_CREATOR_ROLE",
    "RESOLVER_ROLE",
    "GAME_ADMIN_ROLE",
    "MISSION_SIGNER_ROLE",
    "TREASURY_ROLE",
];

/// The name of a known role id, if any.
pub fn role_name(role: B256) -> Option<&'static str> {
    if role.is_zero() {
        return Some("DEFAULT_ADMIN_ROLE");
    }
    ROLE_NAMES
        .iter()
        .find(|n| keccak256(n.as_bytes()) == role)
        .copied()
}

fn role_json(role: B256) -> Value {
    json!({ "id": hex32(role), "name": role_name(role) })
}

/// An event recorded in `admin_events`: its name and its arguments as JSON.
pub trait AdminEvent {
    /// The event name, as declared.
    const NAME: &'static str;
    /// The arguments: amounts as decimal strings, addresses and hashes as
    /// lowercase hex.
    fn args(&self) -> Value;
}

/// A logical contract name (the name bound in the host configuration).
pub trait Contract {
    /// The name, e.g. `"GhostCore"`.
    const NAME: &'static str;
}

/// The `admin_events` row of an event.
pub fn admin_row<E: AdminEvent>(ev: &Ev<E>, contract: &str) -> Write {
    Write::insert("admin_events")
        .meta(&ev.meta)
        .col("contract_address", ev.meta.address)
        .col("contract_name", contract)
        .col("event_name", E::NAME)
        .col("args", Json(ev.data.args()))
}

/// Handler function appending an event of contract `C` to `admin_events`.
pub fn admin<C: Contract, E: AdminEvent>(ctx: &mut Ctx, ev: &Ev<E>) -> wraith_sdk::Result<()> {
    ctx.push(admin_row(ev, C::NAME));
    Ok(())
}

impl AdminEvent for Oz::Initialized {
    const NAME: &'static str = "Initialized";
    fn args(&self) -> Value {
        json!({ "version": self.version })
    }
}

impl AdminEvent for Oz::Upgraded {
    const NAME: &'static str = "Upgraded";
    fn args(&self) -> Value {
        json!({ "implementation": hex(self.implementation) })
    }
}

impl AdminEvent for Oz::Paused {
    const NAME: &'static str = "Paused";
    fn args(&self) -> Value {
        json!({ "account": hex(self.account) })
    }
}

impl AdminEvent for Oz::Unpaused {
    const NAME: &'static str = "Unpaused";
    fn args(&self) -> Value {
        json!({ "account": hex(self.account) })
    }
}

impl AdminEvent for Oz::RoleGranted {
    const NAME: &'static str = "RoleGranted";
    fn args(&self) -> Value {
        json!({
            "role": role_json(self.role),
            "account": hex(self.account),
            "sender": hex(self.sender),
        })
    }
}

impl AdminEvent for Oz::RoleRevoked {
    const NAME: &'static str = "RoleRevoked";
    fn args(&self) -> Value {
        json!({
            "role": role_json(self.role),
            "account": hex(self.account),
            "sender": hex(self.sender),
        })
    }
}

impl AdminEvent for Oz::RoleAdminChanged {
    const NAME: &'static str = "RoleAdminChanged";
    fn args(&self) -> Value {
        json!({
            "role": role_json(self.role),
            "previous_admin_role": role_json(self.previousAdminRole),
            "new_admin_role": role_json(self.newAdminRole),
        })
    }
}

impl AdminEvent for Oz::OwnershipTransferred {
    const NAME: &'static str = "OwnershipTransferred";
    fn args(&self) -> Value {
        json!({ "previous_owner": hex(self.previousOwner), "new_owner": hex(self.newOwner) })
    }
}

impl AdminEvent for Oz::OwnershipTransferStarted {
    const NAME: &'static str = "OwnershipTransferStarted";
    fn args(&self) -> Value {
        json!({ "previous_owner": hex(self.previousOwner), "new_owner": hex(self.newOwner) })
    }
}

/// An event whose tuple (struct) parameters are declared to the host in
/// the plain `(type,…)` form.
///
/// The SDK manifest renders a struct parameter the way
/// `alloy_json_abi::Event::full_signature` does, `tuple(uint256 a, …)`,
/// which the host's declaration parser rejects. `Flat<E>` is `E` (same
/// topic0, same decoding, dereferences to `E`) with each tuple parameter's
/// type written as its canonical `(uint256,…)` instead. Use it in
/// `handler!` as `Flat<Contract::Event>` and take `&Ev<Flat<…>>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Flat<E>(pub E);

impl<E> core::ops::Deref for Flat<E> {
    type Target = E;
    fn deref(&self) -> &E {
        &self.0
    }
}

impl<E: SolEvent> SolEvent for Flat<E> {
    type DataTuple<'a> = E::DataTuple<'a>;
    type DataToken<'a> = E::DataToken<'a>;
    type TopicList = E::TopicList;
    const SIGNATURE: &'static str = E::SIGNATURE;
    const SIGNATURE_HASH: B256 = E::SIGNATURE_HASH;
    const ANONYMOUS: bool = E::ANONYMOUS;

    fn new(
        topics: <Self::TopicList as SolType>::RustType,
        data: <Self::DataTuple<'_> as SolType>::RustType,
    ) -> Self {
        Self(E::new(topics, data))
    }

    fn tokenize_body(&self) -> Self::DataToken<'_> {
        self.0.tokenize_body()
    }

    fn topics(&self) -> <Self::TopicList as SolType>::RustType {
        self.0.topics()
    }

    fn encode_topics_raw(&self, out: &mut [WordToken]) -> alloy_sol_types::Result<()> {
        self.0.encode_topics_raw(out)
    }
}

impl<E: JsonAbiExt<Abi = AbiEvent>> JsonAbiExt for Flat<E> {
    type Abi = AbiEvent;
    fn abi() -> AbiEvent {
        let mut event = E::abi();
        for input in &mut event.inputs {
            if !input.components.is_empty() {
                input.ty = input.selector_type().into_owned();
                input.components.clear();
            }
        }
        event
    }
}

impl<E: AdminEvent> AdminEvent for Flat<E> {
    const NAME: &'static str = E::NAME;
    fn args(&self) -> Value {
        self.0.args()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_match_contracts_md() {
        let scanner: B256 = "0xa9b81438e9053a522b683603c102f65503853bc7aa82f89a130662d957c081fb"
            .parse()
            .unwrap();
        assert_eq!(role_name(scanner), Some("SCANNER_ROLE"));
        assert_eq!(role_name(B256::ZERO), Some("DEFAULT_ADMIN_ROLE"));
        assert_eq!(role_name(B256::repeat_byte(1)), None);
    }

    #[test]
    fn dead_address_is_the_burn_sink() {
        assert_eq!(hex(DEAD), "0x000000000000000000000000000000000000dead");
    }

    sol! {
        #[sol(abi)]
        contract WithStruct {
            struct Config { uint256 a; bool b; }
            event Updated(Config config, address indexed who);
        }
    }

    #[test]
    fn flat_declares_tuples_in_canonical_form() {
        assert_eq!(
            <Flat<WithStruct::Updated> as JsonAbiExt>::abi().full_signature(),
            "event Updated((uint256,bool) config, address indexed who)"
        );
        assert_eq!(
            <Flat<WithStruct::Updated> as SolEvent>::SIGNATURE_HASH,
            keccak256("Updated((uint256,bool),address)")
        );
    }

    #[test]
    fn bps_share_truncates_like_solidity() {
        assert_eq!(
            bps_of(U256::from(999u64), 3000).unwrap(),
            U256::from(299u64)
        );
        assert!(mul_div(U256::MAX, U256::from(2u64), U256::from(1u64)).is_err());
    }
}
