-- GHOSTNET aggregates. Every relation here is named agg_* and has the same
-- columns with or without TimescaleDB:
--
--   agg_tvl_level_hourly        stake flows per level per hour and the TVL
--                               at the end of each hour (running sum)
--   agg_deaths_level_daily      deaths and DATA lost per level per day
--   agg_burns_daily             DATA burned per token per day, by sink
--   agg_bet_volume_round        DeadPool bet volume per round
--   agg_arcade_volume_game_hourly  arcade entry volume per game per hour
--
-- Without TimescaleDB they are plain views over the base tables, so they
-- are always exact, also right after a reorg. With TimescaleDB the ones
-- whose source is a hypertable (deaths, deadpool_bet_events,
-- arcade_entries) are continuous aggregates with real-time aggregation
-- (materialized_only = false) and a refresh policy; the host refreshes
-- every continuous aggregate from the fork point after a reorg. The ones
-- over position_events and token_transfers stay plain views in both modes:
-- those tables are not hypertables (their primary key has no block_time).
-- Buckets are on block_time (UTC).

-- Stake entering and leaving each level per hour. position_events rows of
-- stake_added / extracted / emergency_withdraw carry no level: a position
-- never changes level, so it is the level of the address's latest
-- jacked_in at or before the event.
--   deposited: JackedIn + StakeAdded amounts
--   withdrawn: Extracted amounts (extract and emergency withdrawal)
--   haircut:   reset haircuts revealed by StakeAdded / Extracted and
--              settled at death
--   died:      amount_lost of deaths (from the submitDeaths calldata)
--   culled:    penalty + returned amount of culled positions
--   net_flow:  deposited - withdrawn - haircut - died - culled
--   tvl:       running sum of net_flow per level up to the end of the hour
CREATE VIEW agg_tvl_level_hourly AS
WITH flows AS (
    SELECT COALESCE(e.level, (
               SELECT j.level FROM position_events j
               WHERE j.user_address = e.user_address AND j.kind = 'jacked_in'
                 AND (j.block_number, j.log_index) <= (e.block_number, e.log_index)
               ORDER BY j.block_number DESC, j.log_index DESC
               LIMIT 1)) AS level,
           date_trunc('hour', e.block_time, 'UTC') AS bucket,
           CASE WHEN e.kind IN ('jacked_in', 'stake_added') THEN e.amount ELSE 0 END AS deposited,
           CASE WHEN e.kind IN ('extracted', 'emergency_withdraw') THEN e.amount ELSE 0 END AS withdrawn,
           COALESCE(e.haircut, 0) AS haircut,
           0::numeric AS died,
           CASE WHEN e.kind = 'culled' THEN e.amount + COALESCE(e.rewards, 0) ELSE 0 END AS culled
    FROM position_events e
    WHERE e.kind IN ('jacked_in', 'stake_added', 'extracted', 'emergency_withdraw', 'culled')
    UNION ALL
    SELECT d.level, date_trunc('hour', d.block_time, 'UTC'), 0, 0, d.haircut_settled, d.amount_lost, 0
    FROM deaths d
), hourly AS (
    SELECT level, bucket,
           sum(deposited)::numeric(78,0) AS deposited,
           sum(withdrawn)::numeric(78,0) AS withdrawn,
           sum(haircut)::numeric(78,0)   AS haircut,
           sum(died)::numeric(78,0)      AS died,
           sum(culled)::numeric(78,0)    AS culled,
           (sum(deposited) - sum(withdrawn) - sum(haircut) - sum(died) - sum(culled))::numeric(78,0) AS net_flow
    FROM flows
    WHERE level IS NOT NULL
    GROUP BY level, bucket
)
SELECT level, bucket, deposited, withdrawn, haircut, died, culled, net_flow,
       (sum(net_flow) OVER (PARTITION BY level ORDER BY bucket))::numeric(78,0) AS tvl
FROM hourly;

-- DATA burned per token per day: supply burns (to 0x0), untaxed transfers
-- to 0xdEaD, and the burned part of the transfer tax.
CREATE VIEW agg_burns_daily AS
SELECT token_address,
       date_trunc('day', block_time, 'UTC') AS bucket,
       sum(CASE WHEN kind = 'supply_burn' THEN gross ELSE 0 END)::numeric(78,0) AS supply_burned,
       sum(CASE WHEN kind = 'dead_burn' THEN gross ELSE 0 END)::numeric(78,0) AS dead_burned,
       sum(tax_burned)::numeric(78,0) AS tax_burned,
       sum(CASE WHEN kind IN ('supply_burn', 'dead_burn') THEN gross ELSE 0 END + tax_burned)::numeric(78,0) AS total_burned
FROM token_transfers
GROUP BY token_address, date_trunc('day', block_time, 'UTC')
HAVING sum(CASE WHEN kind IN ('supply_burn', 'dead_burn') THEN gross ELSE 0 END + tax_burned) > 0;

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        EXECUTE $q$
            CREATE MATERIALIZED VIEW agg_deaths_level_daily
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT level, time_bucket(INTERVAL '1 day', block_time) AS bucket,
                   count(*) AS deaths,
                   sum(amount_lost)::numeric(78,0) AS amount_lost
            FROM deaths
            GROUP BY level, time_bucket(INTERVAL '1 day', block_time)
            WITH NO DATA $q$;
        -- Per round and day; agg_bet_volume_round sums the days.
        EXECUTE $q$
            CREATE MATERIALIZED VIEW agg_bet_volume_round_daily
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT round_id, time_bucket(INTERVAL '1 day', block_time) AS bucket,
                   count(*) AS bets,
                   sum(CASE WHEN is_over THEN amount ELSE 0 END)::numeric(78,0) AS over_volume,
                   sum(CASE WHEN is_over THEN 0 ELSE amount END)::numeric(78,0) AS under_volume,
                   sum(amount)::numeric(78,0) AS volume
            FROM deadpool_bet_events
            WHERE kind = 'bet'
            GROUP BY round_id, time_bucket(INTERVAL '1 day', block_time)
            WITH NO DATA $q$;
        EXECUTE $q$
            CREATE VIEW agg_bet_volume_round AS
            SELECT round_id,
                   sum(bets)::bigint AS bets,
                   sum(over_volume)::numeric(78,0) AS over_volume,
                   sum(under_volume)::numeric(78,0) AS under_volume,
                   sum(volume)::numeric(78,0) AS volume
            FROM agg_bet_volume_round_daily
            GROUP BY round_id $q$;
        EXECUTE $q$
            CREATE MATERIALIZED VIEW agg_arcade_volume_game_hourly
            WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
            SELECT arcade_core, game, time_bucket(INTERVAL '1 hour', block_time) AS bucket,
                   count(*) AS entries,
                   sum(amount)::numeric(78,0) AS gross,
                   sum(net_amount)::numeric(78,0) AS net,
                   sum(rake_amount)::numeric(78,0) AS rake,
                   sum(rake_burned)::numeric(78,0) AS rake_burned
            FROM arcade_entries
            GROUP BY arcade_core, game, time_bucket(INTERVAL '1 hour', block_time)
            WITH NO DATA $q$;
        -- Refresh everything (NULL start: a reorg may rewrite any bucket
        -- after the fork; the host also refreshes from the fork point).
        PERFORM add_continuous_aggregate_policy('agg_deaths_level_daily',
            start_offset => NULL, end_offset => NULL, schedule_interval => INTERVAL '1 hour');
        PERFORM add_continuous_aggregate_policy('agg_bet_volume_round_daily',
            start_offset => NULL, end_offset => NULL, schedule_interval => INTERVAL '1 hour');
        PERFORM add_continuous_aggregate_policy('agg_arcade_volume_game_hourly',
            start_offset => NULL, end_offset => NULL, schedule_interval => INTERVAL '15 minutes');
    ELSE
        CREATE VIEW agg_deaths_level_daily AS
        SELECT level, date_trunc('day', block_time, 'UTC') AS bucket,
               count(*) AS deaths,
               sum(amount_lost)::numeric(78,0) AS amount_lost
        FROM deaths
        GROUP BY level, date_trunc('day', block_time, 'UTC');
        CREATE VIEW agg_bet_volume_round AS
        SELECT round_id,
               count(*) AS bets,
               sum(CASE WHEN is_over THEN amount ELSE 0 END)::numeric(78,0) AS over_volume,
               sum(CASE WHEN is_over THEN 0 ELSE amount END)::numeric(78,0) AS under_volume,
               sum(amount)::numeric(78,0) AS volume
        FROM deadpool_bet_events
        WHERE kind = 'bet'
        GROUP BY round_id;
        CREATE VIEW agg_arcade_volume_game_hourly AS
        SELECT arcade_core, game, date_trunc('hour', block_time, 'UTC') AS bucket,
               count(*) AS entries,
               sum(amount)::numeric(78,0) AS gross,
               sum(net_amount)::numeric(78,0) AS net,
               sum(rake_amount)::numeric(78,0) AS rake,
               sum(rake_burned)::numeric(78,0) AS rake_burned
        FROM arcade_entries
        GROUP BY arcade_core, game, date_trunc('hour', block_time, 'UTC');
    END IF;
END $$;
