//! The oracle: the contracts' own view functions compared with the indexed
//! tables. It returns every difference and how many values it compared per
//! kind, instead of asserting, so a test can report both.

use std::collections::BTreeMap;

use alloy::primitives::{Address, U256};
use sqlx::PgPool;

use crate::chain::Anvil;
use crate::ghostnet::{IData, IGhostCore};
use crate::ghostnet_suite::{ICore, IDeadPool, Suite};

/// A round as compared: type, target level, line, over and under pools,
/// deadline, resolved, outcome.
type RoundRow = (i16, i16, String, String, String, i64, bool, Option<bool>);

/// The outcome of an oracle check.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Kind of value -> values compared.
    pub comparisons: BTreeMap<&'static str, usize>,
    /// One line per value that differs.
    pub differences: Vec<String>,
}

impl Report {
    fn check<T: PartialEq + std::fmt::Debug>(
        &mut self,
        kind: &'static str,
        what: impl std::fmt::Display,
        chain: T,
        indexed: T,
    ) {
        *self.comparisons.entry(kind).or_default() += 1;
        if chain != indexed {
            self.differences.push(format!(
                "{kind} {what}: chain {chain:?}, indexed {indexed:?}"
            ));
        }
    }

    /// Total values compared.
    pub fn total(&self) -> usize {
        self.comparisons.values().sum()
    }
}

/// Compare balances, positions, level state and arrays, DeadPool rounds
/// and bets for `players` and `rounds` DeadPool rounds.
pub async fn check(
    anvil: &Anvil,
    s: &Suite,
    pool: &PgPool,
    players: &[Address],
    rounds: u64,
) -> anyhow::Result<Report> {
    let mut r = Report::default();
    balances(anvil, s, pool, &mut r).await?;
    positions(anvil, s, pool, players, &mut r).await?;
    levels(anvil, s, pool, &mut r).await?;
    deadpool(anvil, s, pool, players, rounds, &mut r).await?;
    Ok(r)
}

/// Every DATA holder the handler knows has the contract's balance.
pub async fn balances(
    anvil: &Anvil,
    s: &Suite,
    pool: &PgPool,
    r: &mut Report,
) -> anyhow::Result<()> {
    let rows: Vec<(Vec<u8>, String)> =
        sqlx::query_as("SELECT holder, balance::text FROM token_balances WHERE token_address = $1")
            .bind(s.core.data.to_vec())
            .fetch_all(pool)
            .await?;
    for (holder, balance) in rows {
        let account = Address::from_slice(&holder);
        let chain = anvil
            .call(s.core.data, IData::balanceOfCall { account })
            .await?;
        r.check("balance", account, chain.to_string(), balance);
    }
    Ok(())
}

/// Each player's position (level, amount, alive, streak) equals
/// `getPosition`; a deleted position is no row or an extracted row.
pub async fn positions(
    anvil: &Anvil,
    s: &Suite,
    pool: &PgPool,
    players: &[Address],
    r: &mut Report,
) -> anyhow::Result<()> {
    for user in players {
        let p = anvil
            .call(
                s.core.ghost_core,
                IGhostCore::getPositionCall { user: *user },
            )
            .await?;
        let row: Option<(i16, String, bool, bool, i32)> = sqlx::query_as(
            "SELECT level, amount::text, is_alive, is_extracted, current_ghost_streak \
             FROM positions_current WHERE user_address = $1",
        )
        .bind(user.to_vec())
        .fetch_optional(pool)
        .await?;
        if p.level == 0 {
            r.check("position", user, true, row.as_ref().is_none_or(|row| row.3));
            continue;
        }
        r.check(
            "position",
            user,
            Some((
                i16::from(p.level),
                p.amount.to_string(),
                p.alive,
                false,
                i32::from(p.ghostStreak),
            )),
            row,
        );
    }
    Ok(())
}

/// getLevelState and getLevelPositions of every level.
pub async fn levels(anvil: &Anvil, s: &Suite, pool: &PgPool, r: &mut Report) -> anyhow::Result<()> {
    let gc = s.core.ghost_core;
    for level in 1..=5u8 {
        let chain = anvil.call(gc, ICore::getLevelStateCall { level }).await?;
        let row: Option<(String, i64, String, i64)> = sqlx::query_as(
            "SELECT total_staked::text, alive_count, acc_rewards_per_share::text, \
             extract(epoch from next_scan_time)::bigint FROM levels WHERE level = $1",
        )
        .bind(i16::from(level))
        .fetch_optional(pool)
        .await?;
        r.check(
            "level_state",
            level,
            Some((
                chain.totalStaked.to_string(),
                i64::try_from(chain.aliveCount)?,
                chain.accRewardsPerShare.to_string(),
                i64::try_from(chain.nextScanTime)?,
            )),
            row,
        );
        let array = anvil
            .call(gc, ICore::getLevelPositionsCall { level })
            .await?;
        let slots: Vec<Vec<u8>> = sqlx::query_scalar(
            "SELECT user_address FROM level_slots WHERE level = $1 ORDER BY slot",
        )
        .bind(i16::from(level))
        .fetch_all(pool)
        .await?;
        r.check(
            "level_array",
            level,
            array.iter().map(|a| a.to_vec()).collect::<Vec<_>>(),
            slots,
        );
    }
    Ok(())
}

/// getRound for rounds 1..=rounds and getBet for every player in each.
pub async fn deadpool(
    anvil: &Anvil,
    s: &Suite,
    pool: &PgPool,
    players: &[Address],
    rounds: u64,
    r: &mut Report,
) -> anyhow::Result<()> {
    let dp = s.dead_pool;
    for id in 1..=rounds {
        let round_id = U256::from(id);
        let c = anvil
            .call(dp, IDeadPool::getRoundCall { roundId: round_id })
            .await?;
        let row: Option<RoundRow> = sqlx::query_as(
            "SELECT round_type, target_level, line::text, over_pool::text, under_pool::text, \
                 extract(epoch from deadline)::bigint, is_resolved, outcome \
                 FROM deadpool_rounds WHERE round_id = $1",
        )
        .bind(i64::try_from(id)?)
        .fetch_optional(pool)
        .await?;
        r.check(
            "round",
            id,
            Some((
                i16::from(c.roundType),
                i16::from(c.targetLevel),
                c.line.to_string(),
                c.overPool.to_string(),
                c.underPool.to_string(),
                i64::try_from(c.deadline)?,
                c.resolved,
                c.resolved.then_some(c.outcome),
            )),
            row,
        );
        for user in players {
            let b = anvil
                .call(
                    dp,
                    IDeadPool::getBetCall {
                        roundId: round_id,
                        user: *user,
                    },
                )
                .await?;
            let row: Option<(String, bool, bool)> = sqlx::query_as(
                "SELECT amount::text, is_over, is_claimed FROM deadpool_bets \
                 WHERE round_id = $1 AND user_address = $2",
            )
            .bind(i64::try_from(id)?)
            .bind(user.to_vec())
            .fetch_optional(pool)
            .await?;
            let chain = (!b.amount.is_zero()).then(|| (b.amount.to_string(), b.isOver, b.claimed));
            r.check("bet", format!("{id}/{user}"), chain, row);
        }
    }
    Ok(())
}
