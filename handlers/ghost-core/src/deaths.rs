//! Scans as GhostCore sees them: the open scan per level, deaths derived
//! from calldata, survivors (streak rounds) and the cascade.

use std::collections::HashSet;

use ghostnet_common::{check_level, hex, time};
use wraith_sdk::serde_json::Map;
use wraith_sdk::{Address, Ctx, Ev, Key, SolCall, U256, Write, json};

use crate::model::{CoreState, Level, Position, haircut_chain};
use crate::{GhostCore, TraceScan, feed};

/// At most this many combinations of silently settled haircuts are tried
/// when a death batch's total does not match the stored amounts.
const MAX_COMBINATIONS: usize = 1 << 16;

pub(crate) fn on_scan_executed(
    ctx: &mut Ctx,
    ev: &Ev<TraceScan::ScanExecuted>,
) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    let block = ev.meta.block_number;
    let mut lvl = Level::load(ctx, level)?;
    lvl.current_scan_id = Some(ev.scanId);
    lvl.current_scan_block = Some(i64::try_from(block).unwrap_or(i64::MAX));
    lvl.pending_deaths = None;
    lvl.save(ctx, block);
    Ok(())
}

/// Where a batch of deaths was submitted.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// `TraceScan.submitDeaths` during scan `scan_id`.
    Submit { scan_id: U256 },
    /// `GhostCore.processDeaths` called directly by a SCANNER_ROLE holder.
    Direct,
}

/// Pick, for each victim, one of its possible stored amounts so that the
/// batch adds up to `total`; the choice must be unique.
fn resolve_amounts(choices: &[Vec<U256>], total: U256) -> wraith_sdk::Result<Vec<U256>> {
    let firsts: Vec<U256> = choices.iter().filter_map(|c| c.first().copied()).collect();
    if firsts.len() == choices.len() && firsts.iter().fold(U256::ZERO, |a, b| a + b) == total {
        return Ok(firsts);
    }
    let combinations = choices
        .iter()
        .try_fold(1usize, |acc, c| acc.checked_mul(c.len().max(1)))
        .unwrap_or(usize::MAX);
    if combinations > MAX_COMBINATIONS {
        wraith_sdk::bail!(
            "death batch total {total} does not match the stored amounts and {combinations} haircut combinations are too many to search"
        );
    }
    let mut found: Option<Vec<U256>> = None;
    for n in 0..combinations {
        let mut rest = n;
        let mut pick = Vec::with_capacity(choices.len());
        for c in choices {
            pick.push(c[rest % c.len()]);
            rest /= c.len();
        }
        if pick.iter().fold(U256::ZERO, |a, b| a + b) == total {
            if found.is_some() {
                wraith_sdk::bail!(
                    "death batch total {total} is reached by several combinations of silently settled haircuts"
                );
            }
            found = Some(pick);
        }
    }
    found.ok_or_else(|| {
        wraith_sdk::Error(format!(
            "death batch total {total} matches no combination of the victims' stored amounts {choices:?}"
        ))
    })
}

/// Whether `user` was already processed in `scan_id` by an earlier batch.
/// Only a position opened after the scan started can be alive again after
/// dying in it, so only those need the read.
fn processed_earlier(
    ctx: &mut Ctx,
    pos: &Position,
    lvl: &Level,
    scan_id: U256,
) -> wraith_sdk::Result<bool> {
    match lvl.current_scan_block {
        Some(b) if pos.entry_block < b => Ok(false),
        _ => Ok(ctx
            .get(
                "scan_victims",
                Key::new("scan_id", scan_id).and("user_address", pos.user),
            )?
            .is_some()),
    }
}

/// The level and candidate list of the call that emitted a
/// `DeathsProcessed`, from the transaction input.
fn decode_batch(input: &[u8], lvl: &Level) -> wraith_sdk::Result<(u8, Vec<Address>, Source)> {
    if input.starts_with(&TraceScan::submitDeathsCall::SELECTOR) {
        let call = TraceScan::submitDeathsCall::abi_decode(input)?;
        let Some(scan_id) = lvl.current_scan_id else {
            wraith_sdk::bail!(
                "deaths submitted at level {} but no ScanExecuted was seen for it (bind TraceScan to this handler)",
                lvl.level
            );
        };
        Ok((call.level, call.deadUsers, Source::Submit { scan_id }))
    } else if input.starts_with(&GhostCore::processDeathsCall::SELECTOR) {
        let call = GhostCore::processDeathsCall::abi_decode(input)?;
        Ok((call.level, call.deadUsers, Source::Direct))
    } else {
        let selector: String = input.iter().take(4).map(|b| format!("{b:02x}")).collect();
        wraith_sdk::bail!(
            "DeathsProcessed in a transaction calling 0x{selector}: the victims are not in the top-level input (relayed or batched call)"
        )
    }
}

pub(crate) fn on_deaths_processed(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::DeathsProcessed>,
) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    let block = ev.meta.block_number;
    let t = time(&ev.meta);
    let Some(input) = ev.meta.input.clone() else {
        wraith_sdk::bail!("DeathsProcessed arrived without its transaction input");
    };
    let state = CoreState::load(ctx, ev.meta.address)?;
    let mut lvl = Level::load(ctx, level)?;
    let (call_level, list, source) = decode_batch(&input, &lvl)?;
    if call_level != level {
        wraith_sdk::bail!(
            "DeathsProcessed at level {level} but the calldata names level {call_level}"
        );
    }

    // The filter runs against the state before the batch, in array order.
    let mut seen: HashSet<Address> = HashSet::new();
    let mut victims: Vec<Position> = Vec::new();
    for user in &list {
        if seen.contains(user) {
            continue;
        }
        let Some(pos) = Position::load(ctx, *user)? else {
            continue;
        };
        if !pos.is_live() || pos.level != level {
            continue;
        }
        if let Source::Submit { scan_id } = source
            && processed_earlier(ctx, &pos, &lvl, scan_id)?
        {
            continue;
        }
        seen.insert(*user);
        victims.push(pos);
    }
    let expected_count = match source {
        Source::Submit { .. } => victims.len(),
        Source::Direct => list.len(),
    };
    if U256::from(expected_count) != ev.count {
        wraith_sdk::bail!(
            "DeathsProcessed count {} but the calldata yields {} ({} victims of {} candidates)",
            ev.count,
            expected_count,
            victims.len(),
            list.len()
        );
    }
    let choices = victims
        .iter()
        .map(|p| haircut_chain(p.amount, 0, p.missed_resets(&state)))
        .collect::<wraith_sdk::Result<Vec<_>>>()?;
    let amounts = resolve_amounts(&choices, ev.totalDead)?;

    let scan_id = match source {
        Source::Submit { scan_id } => Some(scan_id),
        Source::Direct => None,
    };
    let mut victims_json = Vec::with_capacity(victims.len());
    for (i, (candidate, amount)) in victims.iter().zip(&amounts).enumerate() {
        // Re-read: an earlier removal in this batch may have moved it.
        let pos = Position::require(ctx, candidate.user, "a death")?;
        let streak = lvl.streak_of(&pos);
        lvl.sub_stake(pos.amount)?;
        lvl.sub_alive()?;
        lvl.remove(ctx, &pos)?;
        let haircut = pos.amount - *amount;
        ctx.push(
            Write::update("positions")
                .key("user_address", pos.user)
                .set("amount", *amount)
                .set("is_alive", false)
                .set("exit_reason", "died")
                .set("exit_timestamp", t)
                .set("ghost_streak", 0i64)
                .set("streak_mark", lvl.survivor_rounds)
                .set("in_level_array", false)
                .set("level_slot", 0i64)
                .set("death_scan_id", scan_id)
                .set(
                    "settled_epoch",
                    if haircut.is_zero() {
                        pos.settled_epoch
                    } else {
                        state.epoch
                    },
                )
                .set("updated_at_block", block)
                .set("updated_at", t),
        );
        ctx.push(
            Write::insert("deaths")
                .meta(&ev.meta)
                .col("user_address", pos.user)
                .col("scan_id", scan_id)
                .col("level", level)
                .col("amount_lost", *amount)
                .col("ghost_streak_at_death", streak)
                .col("haircut_settled", haircut)
                .col("position_entry_block", pos.entry_block)
                .col("batch_index", u32::try_from(i).unwrap_or(u32::MAX))
                .col("submitter", ev.meta.sender),
        );
        if let Some(scan) = scan_id {
            ctx.push(
                Write::upsert("scan_victims")
                    .key("scan_id", scan)
                    .key("user_address", pos.user)
                    .set("level", level)
                    .set("block_number", block),
            );
        }
        victims_json.push(json!({
            "user": hex(pos.user),
            "amount": amount.to_string(),
            "ghost_streak": streak,
        }));
    }
    lvl.death_count += i64::try_from(victims.len()).unwrap_or(i64::MAX);
    lvl.dead_amount += ev.totalDead;
    lvl.pending_deaths = match source {
        Source::Submit { .. } => Some((ev.meta.tx_hash, ev.count, ev.totalDead)),
        Source::Direct => None,
    };
    lvl.save(ctx, block);
    ctx.push(
        Write::insert("death_batches")
            .meta(&ev.meta)
            .col("level", level)
            .col("scan_id", scan_id)
            .col(
                "source",
                match source {
                    Source::Submit { .. } => "submit_deaths",
                    Source::Direct => "process_deaths",
                },
            )
            .col("candidates", u32::try_from(list.len()).unwrap_or(u32::MAX))
            .col("death_count", U256::from(victims.len()))
            .col("total_dead", ev.totalDead)
            .col("submitter", ev.meta.sender),
    );
    feed(
        ctx,
        "ghostnet.deaths",
        ev,
        level.to_string(),
        "DEATHS_PROCESSED",
        json!({
            "level": level,
            "scan_id": scan_id.map(|s| s.to_string()),
            "count": victims.len(),
            "total_lost": ev.totalDead.to_string(),
            "victims": victims_json,
        }),
    );
    Ok(())
}

pub(crate) fn on_deaths_submitted(
    ctx: &mut Ctx,
    ev: &Ev<TraceScan::DeathsSubmitted>,
) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    let mut lvl = Level::load(ctx, level)?;
    match lvl.pending_deaths {
        Some((tx, count, total))
            if tx == ev.meta.tx_hash && count == ev.count && total == ev.totalDead => {}
        other => wraith_sdk::bail!(
            "DeathsSubmitted(level {level}, scan {}, count {}, total {}) does not match the deaths derived in this transaction ({other:?})",
            ev.scanId,
            ev.count,
            ev.totalDead
        ),
    }
    if lvl.current_scan_id != Some(ev.scanId) {
        wraith_sdk::bail!(
            "DeathsSubmitted for scan {} but the open scan of level {level} is {:?}",
            ev.scanId,
            lvl.current_scan_id
        );
    }
    lvl.pending_deaths = None;
    lvl.save(ctx, ev.meta.block_number);
    Ok(())
}

pub(crate) fn on_survivors_updated(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::SurvivorsUpdated>,
) -> wraith_sdk::Result<()> {
    let level = check_level(ev.level)?;
    let block = ev.meta.block_number;
    let mut lvl = Level::load(ctx, level)?;
    // The contract counts the alive members of the level array: exactly
    // the array, since members are always alive at the level.
    if U256::from(u64::try_from(lvl.array_length).unwrap_or(0)) != ev.count {
        wraith_sdk::bail!(
            "SurvivorsUpdated(level {level}) counts {} survivors, the model's level array has {}",
            ev.count,
            lvl.array_length
        );
    }
    lvl.survivor_rounds += 1;
    let next = time(&ev.meta).0 + lvl.scan_interval;
    lvl.next_scan_time = Some(next);
    lvl.save(ctx, block);
    ctx.push(
        Write::insert("survivor_updates")
            .meta(&ev.meta)
            .col("level", level)
            .col("scan_id", lvl.current_scan_id)
            .col("survivor_count", ev.count)
            .col("round", lvl.survivor_rounds)
            .col("next_scan_time", wraith_sdk::Timestamp(next)),
    );
    Ok(())
}

pub(crate) fn on_cascade_distributed(
    ctx: &mut Ctx,
    ev: &Ev<GhostCore::CascadeDistributed>,
) -> wraith_sdk::Result<()> {
    let level = check_level(ev.sourceLevel)?;
    let block = ev.meta.block_number;
    let src = usize::from(level - 1);
    let mut levels = Level::load_all(ctx)?;
    let share = ev.burnAmount; // same, upstream and burn are the same 30 % share
    if levels[src].total_staked.is_zero() {
        if !ev.sameLevelAmount.is_zero()
            || Some(ev.upstreamAmount) != share.checked_mul(U256::from(2u64))
        {
            wraith_sdk::bail!(
                "cascade of level {level}: the model has no stake left there, so the same-level share should move upstream, but the event reports same {} upstream {}",
                ev.sameLevelAmount,
                ev.upstreamAmount
            );
        }
    } else {
        if ev.sameLevelAmount != share || ev.upstreamAmount != share {
            wraith_sdk::bail!(
                "cascade of level {level}: the model has stake {} there, but the event reports same {} upstream {} burn {}",
                levels[src].total_staked,
                ev.sameLevelAmount,
                ev.upstreamAmount,
                ev.burnAmount
            );
        }
        levels[src].credit(ev.sameLevelAmount)?;
    }
    // Upstream: the safer levels pro rata to their stake, or burned.
    let upstream_tvl = levels[..src]
        .iter()
        .fold(U256::ZERO, |a, l| a + l.total_staked);
    let upstream_burned = !ev.upstreamAmount.is_zero() && upstream_tvl.is_zero();
    let mut credits = Map::new();
    if !ev.upstreamAmount.is_zero() && !upstream_tvl.is_zero() {
        for l in &mut levels[..src] {
            if l.total_staked.is_zero() {
                continue;
            }
            let part = ghostnet_common::mul_div(ev.upstreamAmount, l.total_staked, upstream_tvl)?;
            l.credit(part)?;
            credits.insert(l.level.to_string(), json!(part.to_string()));
        }
    }
    for l in &levels[..=src] {
        l.save(ctx, block);
    }
    ctx.push(
        Write::insert("cascades")
            .meta(&ev.meta)
            .col("level", level)
            .col("scan_id", levels[src].current_scan_id)
            .col("same_level_amount", ev.sameLevelAmount)
            .col("upstream_amount", ev.upstreamAmount)
            .col("burn_amount", ev.burnAmount)
            .col("protocol_amount", ev.protocolAmount)
            .col("upstream_burned", upstream_burned)
            .col(
                "upstream_credits",
                wraith_sdk::Json(wraith_sdk::serde_json::Value::Object(credits)),
            ),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_resolve_to_the_unique_settled_combination() {
        let a = vec![U256::from(1000u64), U256::from(750u64)];
        let b = vec![U256::from(400u64)];
        assert_eq!(
            resolve_amounts(&[a.clone(), b.clone()], U256::from(1400u64)).unwrap(),
            vec![U256::from(1000u64), U256::from(400u64)]
        );
        assert_eq!(
            resolve_amounts(&[a.clone(), b.clone()], U256::from(1150u64)).unwrap(),
            vec![U256::from(750u64), U256::from(400u64)]
        );
        assert!(resolve_amounts(&[a.clone(), b], U256::from(1151u64)).is_err());
        // two victims whose cuts are interchangeable: ambiguous
        assert!(resolve_amounts(&[a.clone(), a], U256::from(1750u64)).is_err());
    }
}
