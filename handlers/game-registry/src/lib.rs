//! GHOSTNET GameRegistry handler: the registry's own record of the games it
//! manages and of its admin calls.
//!
//! Models `GameRegistry` (`shared/ghostnet/CONTRACTS.md` §3.9), an
//! owner-only layer that forwards every change to ArcadeCore. Each call
//! emits **the ArcadeCore event first, then the registry event**, in one
//! transaction: register → ArcadeCore `GameRegistered(game, config)` +
//! registry `GameRegistered(game, gameId, name)`; pause/unpause → ArcadeCore
//! `GameConfigUpdated(game, config)` + `GamePaused`/`GameUnpaused`; config
//! update → ArcadeCore `GameConfigUpdated(game, config)` + registry
//! `GameConfigUpdated(game)`, which has **no payload**; removal → ArcadeCore
//! `GameUnregistered` + `GameRemoved`. The two `GameRegistered` and the two
//! `GameConfigUpdated` have different signatures (topic0s) and emitters; the
//! host dispatches on (address, topic0), and this handler binds the logical
//! contracts `"GameRegistry"` and `"ArcadeCore"` separately.
//!
//! Table ownership: the game configuration (`arcade_games`) belongs to the
//! arcade-core handler, which takes it from ArcadeCore's events (they carry
//! the full tuple). This handler records the registry's own facts:
//!
//! * `registry_games` (keyed by (registry, game)): game id and name (from
//!   the game's `getGameInfo()`, or keccak256 of the packed address and ""
//!   when that call fails — both are in the event), `launched_at` (the
//!   registry overwrites `launchedAt` with the registration block time),
//!   pause flag, pending removal time, the number of config updates, and the
//!   entry config **as forwarded**, read from the paired ArcadeCore event. A
//!   removed game's row is deleted (the registry deletes it too).
//!   `boostEligible` is stored by the registry but never forwarded nor
//!   emitted, so it cannot be indexed.
//! * `game_registries`: the ArcadeCore a registry forwards to (its
//!   constructor argument is in no event: it is learnt from
//!   `ArcadeCoreUpdated`, or from the emitter of a paired ArcadeCore event;
//!   NULL until then), Ownable2Step owner and pending owner, game count.
//! * `registry_events`: every registry event with the ArcadeCore event it
//!   was paired with (its address, log index and config tuple).
//!
//! Pairing: the handler also subscribes to ArcadeCore's `GameRegistered`,
//! `GameConfigUpdated` and `GameUnregistered` and remembers the latest one
//! per game in `registry_core_siblings`; a registry event of the same
//! transaction with the matching kind is paired with it. An ArcadeCore event
//! without a registry event (a GAME_ADMIN calling ArcadeCore directly) is
//! simply never paired. `markGameForRemoval` pauses first when needed
//! (ArcadeCore `GameConfigUpdated` + `GamePaused`, then
//! `GameMarkedForRemoval`); `cancelGameRemoval` does not unpause.
//!
//! `OwnershipTransferred` / `OwnershipTransferStarted` are also appended to
//! the shared audit trail `arcade_admin_events`. The registry publishes no
//! stream messages (admin facts only).

use wraith_sdk::{Address, Ctx, Ev, Json, Key, Meta, Row, Timestamp, U256, Write, json, sol};

sol! {
    /// GameRegistry's events (CONTRACTS.md §3.9, Ownable2Step §3.16).
    #[sol(abi)]
    contract GameRegistry {
        event GameRegistered(address indexed game, bytes32 indexed gameId, string name);
        event GamePaused(address indexed game);
        event GameUnpaused(address indexed game);
        event GameConfigUpdated(address indexed game);
        event GameMarkedForRemoval(address indexed game, uint256 removalTime);
        event GameRemovalCancelled(address indexed game);
        event GameRemoved(address indexed game);
        event ArcadeCoreUpdated(address indexed oldArcadeCore, address indexed newArcadeCore);
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    }
}

sol! {
    /// The ArcadeCore events a registry call emits before its own.
    #[sol(abi)]
    contract ArcadeCore {
        // `GameConfig(minEntry, maxEntry, rakeBps, burnBps, requiresPosition,
        // paused)` as an anonymous tuple: the host's event parser rejects
        // named tuple components.
        event GameRegistered(address indexed game, (uint256, uint256, uint16, uint16, bool, bool) config);
        event GameConfigUpdated(address indexed game, (uint256, uint256, uint16, uint16, bool, bool) config);
        event GameUnregistered(address indexed game);
    }
}

wraith_sdk::handler! {
    name: "game-registry",
    tables: [
        game_registries: Entity,
        registry_games: Entity,
        registry_events: AppendOnly,
        registry_core_siblings: Entity,
        arcade_admin_events: AppendOnly,
    ],
    streams: [],
    events: [
        "GameRegistry": GameRegistry::GameRegistered => on_registered,
        "GameRegistry": GameRegistry::GamePaused => on_paused,
        "GameRegistry": GameRegistry::GameUnpaused => on_unpaused,
        "GameRegistry": GameRegistry::GameConfigUpdated => on_config_updated,
        "GameRegistry": GameRegistry::GameMarkedForRemoval => on_marked_for_removal,
        "GameRegistry": GameRegistry::GameRemovalCancelled => on_removal_cancelled,
        "GameRegistry": GameRegistry::GameRemoved => on_removed,
        "GameRegistry": GameRegistry::ArcadeCoreUpdated => on_arcade_core_updated,
        "GameRegistry": GameRegistry::OwnershipTransferred => on_ownership_transferred,
        "GameRegistry": GameRegistry::OwnershipTransferStarted => on_ownership_transfer_started,
        "ArcadeCore": ArcadeCore::GameRegistered => on_core_registered,
        "ArcadeCore": ArcadeCore::GameConfigUpdated => on_core_config_updated,
        "ArcadeCore": ArcadeCore::GameUnregistered => on_core_unregistered,
    ],
}

fn hex(a: Address) -> String {
    format!("{a:#x}")
}

fn time(meta: &Meta) -> Timestamp {
    Timestamp(i64::try_from(meta.block_timestamp).unwrap_or(i64::MAX))
}

const CONFIG_COLUMNS: [&str; 6] = [
    "min_entry",
    "max_entry",
    "rake_bps",
    "burn_bps",
    "requires_position",
    "paused",
];

// ─── Pairing with ArcadeCore's events ────────────────────────────────────────

fn remember(
    ctx: &mut Ctx,
    meta: &Meta,
    game: Address,
    kind: &str,
    config: Option<&(U256, U256, u16, u16, bool, bool)>,
) {
    let w = Write::upsert("registry_core_siblings")
        .key("game", game)
        .set("arcade_core", meta.address)
        .set("tx_hash", meta.tx_hash)
        .set("log_index", meta.log_index)
        .set("kind", kind)
        .set("seen_block", meta.block_number);
    ctx.push(match config {
        Some(&(min_entry, max_entry, rake_bps, burn_bps, requires_position, paused)) => w
            .set("min_entry", min_entry)
            .set("max_entry", max_entry)
            .set("rake_bps", rake_bps)
            .set("burn_bps", burn_bps)
            .set("requires_position", requires_position)
            .set("paused", paused),
        None => CONFIG_COLUMNS.iter().fold(w, |w, c| w.set(c, None::<bool>)),
    });
}

fn on_core_registered(
    ctx: &mut Ctx,
    ev: &Ev<ArcadeCore::GameRegistered>,
) -> wraith_sdk::Result<()> {
    remember(ctx, &ev.meta, ev.game, "registered", Some(&ev.config));
    Ok(())
}

fn on_core_config_updated(
    ctx: &mut Ctx,
    ev: &Ev<ArcadeCore::GameConfigUpdated>,
) -> wraith_sdk::Result<()> {
    remember(ctx, &ev.meta, ev.game, "config_updated", Some(&ev.config));
    Ok(())
}

fn on_core_unregistered(
    ctx: &mut Ctx,
    ev: &Ev<ArcadeCore::GameUnregistered>,
) -> wraith_sdk::Result<()> {
    remember(ctx, &ev.meta, ev.game, "unregistered", None);
    Ok(())
}

/// The ArcadeCore event of `kind` for `game` earlier in this transaction.
fn sibling(
    ctx: &mut Ctx,
    meta: &Meta,
    game: Address,
    kind: &str,
) -> wraith_sdk::Result<Option<Row>> {
    let Some(row) = ctx.get("registry_core_siblings", Key::new("game", game))? else {
        return Ok(None);
    };
    let same_tx = row.b256("tx_hash")? == meta.tx_hash;
    let earlier = row.i64("log_index")? < i64::from(meta.log_index);
    Ok((same_tx && earlier && row.text("kind")? == kind).then_some(row))
}

/// Copy the paired event's ArcadeCore address, log index and config into
/// `w` (NULLs without a pair).
fn paired(w: Write, row: Option<&Row>) -> wraith_sdk::Result<Write> {
    let Some(row) = row else {
        return Ok(CONFIG_COLUMNS
            .iter()
            .fold(w, |w, c| w.col(c, None::<bool>))
            .col("arcade_core", None::<Address>)
            .col("core_log_index", None::<u32>));
    };
    let w = w
        .col("arcade_core", row.address("arcade_core")?)
        .col("core_log_index", row.i64("log_index")?);
    config_of(w, row, true)
}

/// The config columns of a sibling row, copied as they are (`paused` only
/// when `with_paused`).
fn config_of(w: Write, row: &Row, with_paused: bool) -> wraith_sdk::Result<Write> {
    let mut w = w;
    for c in CONFIG_COLUMNS {
        if c != "paused" || with_paused {
            w = w.set(c, row.value(c)?.clone());
        }
    }
    Ok(w)
}

fn history(meta: &Meta, kind: &str, game: Option<Address>) -> Write {
    Write::insert("registry_events")
        .meta(meta)
        .col("registry", meta.address)
        .col("kind", kind)
        .col("game", game)
}

fn registry_row(meta: &Meta) -> Write {
    Write::upsert("game_registries")
        .key("registry", meta.address)
        .set("updated_at_block", meta.block_number)
}

fn warn_unpaired(ctx: &Ctx, meta: &Meta, event: &str, game: Address) {
    ctx.warn(&format!(
        "registry {} {event}({}) in tx {:#x} has no ArcadeCore event to pair with \
         (is the registry's ArcadeCore bound to this handler?)",
        hex(meta.address),
        hex(game),
        meta.tx_hash
    ));
}

fn learn_core(ctx: &mut Ctx, meta: &Meta, sib: Option<&Row>) -> wraith_sdk::Result<()> {
    if let Some(row) = sib {
        ctx.push(registry_row(meta).set("arcade_core", row.address("arcade_core")?));
    }
    Ok(())
}

fn games_row(meta: &Meta, game: Address) -> Write {
    Write::update("registry_games")
        .key("registry", meta.address)
        .key("game", game)
        .set("updated_at_block", meta.block_number)
}

// ─── Registry events ─────────────────────────────────────────────────────────

fn on_registered(ctx: &mut Ctx, ev: &Ev<GameRegistry::GameRegistered>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let sib = sibling(ctx, m, ev.game, "registered")?;
    if sib.is_none() {
        warn_unpaired(ctx, m, "GameRegistered", ev.game);
    }
    let mut game = Write::upsert("registry_games")
        .key("registry", m.address)
        .key("game", ev.game)
        .set("game_id", ev.gameId)
        .set("name", ev.name.as_str())
        .set("launched_at", time(m))
        .set("registered_block", m.block_number)
        .set("paused", false)
        .set("pending_removal_at", None::<Timestamp>)
        .set("config_updates", 0u32)
        .set("updated_at_block", m.block_number);
    // `paused` is the registry's own flag (registration forwards false).
    game = match &sib {
        Some(row) => config_of(
            game.set("arcade_core", row.address("arcade_core")?),
            row,
            false,
        )?,
        None => CONFIG_COLUMNS
            .iter()
            .filter(|c| **c != "paused")
            .fold(game.set("arcade_core", None::<Address>), |w, c| {
                w.set(c, None::<bool>)
            }),
    };
    ctx.push(game);
    ctx.push(registry_row(m).add("game_count", 1u32));
    learn_core(ctx, m, sib.as_ref())?;
    ctx.push(paired(
        history(m, "registered", Some(ev.game))
            .col("game_id", ev.gameId)
            .col("name", ev.name.as_str()),
        sib.as_ref(),
    )?);
    Ok(())
}

fn pause_flag(ctx: &mut Ctx, meta: &Meta, game: Address, paused: bool) -> wraith_sdk::Result<()> {
    let (kind, event) = if paused {
        ("paused", "GamePaused")
    } else {
        ("unpaused", "GameUnpaused")
    };
    let sib = sibling(ctx, meta, game, "config_updated")?;
    if sib.is_none() {
        warn_unpaired(ctx, meta, event, game);
    }
    ctx.push(games_row(meta, game).set("paused", paused));
    learn_core(ctx, meta, sib.as_ref())?;
    ctx.push(paired(history(meta, kind, Some(game)), sib.as_ref())?);
    Ok(())
}

fn on_paused(ctx: &mut Ctx, ev: &Ev<GameRegistry::GamePaused>) -> wraith_sdk::Result<()> {
    pause_flag(ctx, &ev.meta, ev.game, true)
}

fn on_unpaused(ctx: &mut Ctx, ev: &Ev<GameRegistry::GameUnpaused>) -> wraith_sdk::Result<()> {
    pause_flag(ctx, &ev.meta, ev.game, false)
}

fn on_config_updated(
    ctx: &mut Ctx,
    ev: &Ev<GameRegistry::GameConfigUpdated>,
) -> wraith_sdk::Result<()> {
    // No payload: the config is the paired ArcadeCore GameConfigUpdated's.
    let m = &ev.meta;
    let sib = sibling(ctx, m, ev.game, "config_updated")?;
    let mut row = games_row(m, ev.game).add("config_updates", 1u32);
    // The registry preserves its pause flag on a config update.
    match &sib {
        Some(s) => row = config_of(row, s, false)?,
        None => warn_unpaired(ctx, m, "GameConfigUpdated", ev.game),
    }
    ctx.push(row);
    learn_core(ctx, m, sib.as_ref())?;
    ctx.push(paired(
        history(m, "config_updated", Some(ev.game)),
        sib.as_ref(),
    )?);
    Ok(())
}

fn removal_time(t: U256) -> wraith_sdk::Result<Timestamp> {
    u64::try_from(t)
        .ok()
        .and_then(|s| i64::try_from(s).ok())
        .map(Timestamp)
        .ok_or_else(|| wraith_sdk::Error(format!("removal time {t} is not a timestamp")))
}

fn on_marked_for_removal(
    ctx: &mut Ctx,
    ev: &Ev<GameRegistry::GameMarkedForRemoval>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let at = removal_time(ev.removalTime)?;
    ctx.push(games_row(m, ev.game).set("pending_removal_at", at));
    ctx.push(paired(
        history(m, "marked_for_removal", Some(ev.game)).col("removal_time", at),
        None,
    )?);
    Ok(())
}

fn on_removal_cancelled(
    ctx: &mut Ctx,
    ev: &Ev<GameRegistry::GameRemovalCancelled>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    // Does not unpause (the contract leaves the game paused).
    ctx.push(games_row(m, ev.game).set("pending_removal_at", None::<Timestamp>));
    ctx.push(paired(
        history(m, "removal_cancelled", Some(ev.game)),
        None,
    )?);
    Ok(())
}

fn on_removed(ctx: &mut Ctx, ev: &Ev<GameRegistry::GameRemoved>) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    let sib = sibling(ctx, m, ev.game, "unregistered")?;
    if sib.is_none() {
        warn_unpaired(ctx, m, "GameRemoved", ev.game);
    }
    ctx.push(
        Write::delete("registry_games")
            .key("registry", m.address)
            .key("game", ev.game),
    );
    ctx.push(registry_row(m).sub("game_count", 1u32));
    learn_core(ctx, m, sib.as_ref())?;
    ctx.push(paired(history(m, "removed", Some(ev.game)), sib.as_ref())?);
    Ok(())
}

fn on_arcade_core_updated(
    ctx: &mut Ctx,
    ev: &Ev<GameRegistry::ArcadeCoreUpdated>,
) -> wraith_sdk::Result<()> {
    let m = &ev.meta;
    ctx.push(registry_row(m).set("arcade_core", ev.newArcadeCore));
    ctx.push(paired(
        history(m, "arcade_core_updated", None)
            .col("old_arcade_core", ev.oldArcadeCore)
            .col("new_arcade_core", ev.newArcadeCore),
        None,
    )?);
    audit(
        ctx,
        m,
        "ArcadeCoreUpdated",
        json!({"old_arcade_core": hex(ev.oldArcadeCore), "new_arcade_core": hex(ev.newArcadeCore)}),
    );
    Ok(())
}

// ─── Ownership ───────────────────────────────────────────────────────────────

fn audit(ctx: &mut Ctx, meta: &Meta, event: &str, args: wraith_sdk::serde_json::Value) {
    ctx.push(
        Write::insert("arcade_admin_events")
            .meta(meta)
            .col("contract_address", meta.address)
            .col("contract_name", "GameRegistry")
            .col("event_name", event)
            .col("args", Json(args)),
    );
}

fn on_ownership_transferred(
    ctx: &mut Ctx,
    ev: &Ev<GameRegistry::OwnershipTransferred>,
) -> wraith_sdk::Result<()> {
    ctx.push(
        registry_row(&ev.meta)
            .set("owner", ev.newOwner)
            .set("pending_owner", None::<Address>),
    );
    audit(
        ctx,
        &ev.meta,
        "OwnershipTransferred",
        json!({"previous_owner": hex(ev.previousOwner), "new_owner": hex(ev.newOwner)}),
    );
    Ok(())
}

fn on_ownership_transfer_started(
    ctx: &mut Ctx,
    ev: &Ev<GameRegistry::OwnershipTransferStarted>,
) -> wraith_sdk::Result<()> {
    ctx.push(registry_row(&ev.meta).set("pending_owner", ev.newOwner));
    audit(
        ctx,
        &ev.meta,
        "OwnershipTransferStarted",
        json!({"previous_owner": hex(ev.previousOwner), "new_owner": hex(ev.newOwner)}),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wraith_sdk::{Handler, SolEvent};

    #[test]
    fn registry_and_core_events_have_distinct_topic0s() {
        let registry = [
            (
                GameRegistry::GameRegistered::SIGNATURE_HASH,
                "0xfb4599efa0ff053b6d00db6700cc3f684da79b15395d8f639d80b8f2d74bf83e",
            ),
            (
                GameRegistry::GameConfigUpdated::SIGNATURE_HASH,
                "0x321f7f07e4fdc18fd5f0d9fc17f82bbf9c93b37136c50f1b72012919ef4076ab",
            ),
            (
                GameRegistry::GameMarkedForRemoval::SIGNATURE_HASH,
                "0xf942234d465c98987089e6152315bd53663aca75f4bfbb54224c63d951300725",
            ),
            (
                GameRegistry::ArcadeCoreUpdated::SIGNATURE_HASH,
                "0x88e242076e3183df25e64aa0b9a6b2781f76ebf5d771a5b9315c38eb9f0d48f6",
            ),
            (
                ArcadeCore::GameRegistered::SIGNATURE_HASH,
                "0xbb4f68cd91abce4315d16190d8a67c3c231c5e12e0e999eb49ec870f68a772ff",
            ),
            (
                ArcadeCore::GameConfigUpdated::SIGNATURE_HASH,
                "0x80d81e5560a10a8c63a5a446fa9a52e89f2ad382797be66c2664a2e19bb32403",
            ),
        ];
        for (hash, documented) in registry {
            assert_eq!(format!("{hash:#x}"), documented);
        }
        let m = WraithHandler::manifest().into_wit();
        assert_eq!(m.events.len(), 13);
        assert_eq!(
            m.events
                .iter()
                .filter(|e| e.contract == "ArcadeCore")
                .count(),
            3
        );
    }

    #[test]
    fn declarations_parse_as_the_host_parses_them() {
        use alloy_sol_types::private::alloy_json_abi::Event;
        for e in WraithHandler::manifest().into_wit().events {
            let parsed =
                Event::parse(&e.signature).unwrap_or_else(|err| panic!("{}: {err}", e.signature));
            assert!(!parsed.anonymous, "{}", e.signature);
        }
    }
}
