//! The WebSocket gateway at `/ws`.
//!
//! [`WsHub`] tails the outbox (woken by every commit) and fans each row out
//! to the connected clients; the outbox id is the `sequenceId` of every
//! server event, so a client that reconnects says where it stopped and gets
//! exactly what it missed (`REPLAY`, up to `websocket.replay_limit` events)
//! or is told to refetch over REST (`FULL_SYNC`). A reorg's `revert` outbox
//! row becomes `REVERT` with the sequence ids the client had received.
//!
//! Frames are JSON text with `type` in SCREAMING_SNAKE_CASE.
//!
//! Client → server: `SUBSCRIBE {channels}`, `UNSUBSCRIBE {channels}`,
//! `SUBSCRIBE_USER {address}`, `UNSUBSCRIBE_USER {address}`,
//! `RECONNECT {lastSequenceId}`, `PING`.
//!
//! Server → client: `CONNECTION_STATE {status, sequenceId}`, `SUBSCRIBED
//! {channels, users}`, `FEED_EVENT {sequenceId, channel, stream, key,
//! blockNumber, blockHash, txHash, logIndex, event}`, `POSITION_UPDATE
//! {sequenceId, address, event, position}` (for a subscribed user),
//! `SCAN_WARNING {level, seconds_until, next_scan_time}`, `REVERT
//! {sequenceId, fromBlock, toBlock, sequenceIds}`, `REPLAY {events,
//! fromSequenceId, toSequenceId}`, `FULL_SYNC {fromSequenceId,
//! toSequenceId, reason}`, `PONG`, `ERROR {code, message}`.
//!
//! Channels: `positions`, `scans`, `deaths`, `markets`, `arcade`, `feed`
//! (every outbox event), and `status` (`INDEXED {block, hash, revertedTo,
//! logs}` after every commit, no sequence id). The server pings every `websocket.heartbeat_secs`
//! and drops a peer silent for two intervals; a client whose queue
//! (`websocket.send_queue`) fills, or that falls behind the hub, is closed
//! with the reason (code 1008 / 1013) — memory never grows without bound.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use sqlx::PgPool;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::{ApiError, ApiState};
use crate::config::WebSocketConfig;
use crate::pipeline::Committed;
use crate::sinks::stream::OutboxRow;

/// Channels a client may subscribe to.
pub const CHANNELS: [&str; 7] = [
    "positions",
    "scans",
    "deaths",
    "markets",
    "arcade",
    "feed",
    "status",
];

/// Close code for a policy violation (slow consumer, dead peer).
const CLOSE_POLICY: u16 = 1008;
/// Close code "try again later" (the server is shutting the hub).
const CLOSE_AGAIN: u16 = 1013;
/// Outbox rows read per hub round.
const HUB_BATCH: i64 = 1000;
/// Delivered sequence ids a connection remembers (for `REVERT`).
const SEEN: usize = 8192;

/// The channel of a handler stream name.
pub fn channel_of(stream: &str) -> &'static str {
    let tail = stream.rsplit('.').next().unwrap_or(stream);
    match tail {
        "positions" => "positions",
        "scans" => "scans",
        "deaths" => "deaths",
        "markets" => "markets",
        "arcade" | "hash-crash" | "duels" | "daily-ops" => "arcade",
        _ => "feed",
    }
}

/// One thing the hub fans out.
#[derive(Debug, Clone)]
enum HubEvent {
    /// A data row.
    Data {
        id: i64,
        channel: &'static str,
        stream: String,
        key: String,
        frame: Value,
    },
    /// A revert row.
    Revert {
        id: i64,
        retracted: Vec<i64>,
        from_block: i64,
        to_block: i64,
    },
    /// A level's next scan is near.
    ScanWarning(Value),
    /// A batch committed (channel `status`).
    Indexed(Value),
}

/// The outbox tail shared by every connection.
#[derive(Debug)]
pub struct WsHub {
    pool: PgPool,
    config: WebSocketConfig,
    events: broadcast::Sender<Arc<HubEvent>>,
    head: AtomicI64,
    clients: AtomicUsize,
    per_ip: std::sync::Mutex<HashMap<IpAddr, usize>>,
}

/// Releases a connection slot of an IP when dropped.
#[derive(Debug)]
struct Slot {
    hub: Arc<WsHub>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut m = self.hub.lock_ips();
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
        self.hub.clients.fetch_sub(1, Ordering::Relaxed);
    }
}

impl WsHub {
    /// A hub reading `pool`'s outbox; starts at its newest row.
    pub async fn new(pool: PgPool, config: WebSocketConfig) -> Result<Arc<Self>, sqlx::Error> {
        let head: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM wraith_outbox")
            .fetch_one(&pool)
            .await?;
        let (events, _) = broadcast::channel(4096);
        Ok(Arc::new(Self {
            pool,
            config,
            events,
            head: AtomicI64::new(head),
            clients: AtomicUsize::new(0),
            per_ip: std::sync::Mutex::new(HashMap::new()),
        }))
    }

    /// Connected clients.
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    /// The last outbox id fanned out.
    pub fn head(&self) -> i64 {
        self.head.load(Ordering::Acquire)
    }

    fn lock_ips(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.per_ip
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let mut m = self.lock_ips();
        let n = m.entry(ip).or_default();
        if *n >= self.config.max_connections_per_ip {
            return None;
        }
        *n += 1;
        self.clients.fetch_add(1, Ordering::Relaxed);
        Some(Slot {
            hub: self.clone(),
            ip,
        })
    }

    /// Tail the outbox until the process stops: woken by every commit (and
    /// once a second), fan out new rows, and send scan warnings.
    pub async fn run(self: Arc<Self>, mut commits: broadcast::Receiver<Committed>) {
        let mut warned: BTreeSet<(i16, i64)> = BTreeSet::new();
        loop {
            tokio::select! {
                r = commits.recv() => match r {
                    Ok(c) => {
                        if let Some(tip) = c.tip {
                            let _ = self.events.send(Arc::new(HubEvent::Indexed(json!({
                                "type": "INDEXED",
                                "block": tip.number,
                                "hash": tip.hash.to_string(),
                                "revertedTo": c.reverted_to,
                                "logs": c.logs,
                            }))));
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                },
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
            if let Err(e) = self.drain().await {
                tracing::warn!(error = %e, "websocket hub: reading the outbox failed");
            }
            if let Err(e) = self.scan_warnings(&mut warned).await {
                tracing::debug!(error = %e, "websocket hub: scan warnings unavailable");
            }
        }
    }

    async fn drain(&self) -> Result<(), sqlx::Error> {
        loop {
            let rows = fetch_rows(&self.pool, self.head(), i64::MAX, HUB_BATCH).await?;
            if rows.is_empty() {
                return Ok(());
            }
            for row in &rows {
                let event = self.to_event(row).await?;
                self.head.store(row.id, Ordering::Release);
                let _ = self.events.send(Arc::new(event));
            }
        }
    }

    async fn to_event(&self, row: &OutboxRow) -> Result<HubEvent, sqlx::Error> {
        let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
        if row.kind == "revert" {
            let retracted: Vec<i64> = payload["retracted_ids"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            let to_block: Option<i64> = sqlx::query_scalar(
                "SELECT max(block_number) FROM wraith_outbox WHERE id = ANY($1)",
            )
            .bind(&retracted)
            .fetch_one(&self.pool)
            .await?;
            return Ok(HubEvent::Revert {
                id: row.id,
                retracted,
                from_block: row.block_number + 1,
                to_block: to_block.unwrap_or(row.block_number),
            });
        }
        let channel = channel_of(&row.stream_name);
        let hex0x = |b: &[u8]| format!("0x{}", hex::encode(b));
        Ok(HubEvent::Data {
            id: row.id,
            channel,
            stream: row.stream_name.clone(),
            key: row.msg_key.clone(),
            frame: json!({
                "type": "FEED_EVENT",
                "sequenceId": row.id,
                "channel": channel,
                "stream": row.stream_name,
                "key": row.msg_key,
                "blockNumber": row.block_number,
                "blockHash": hex0x(&row.block_hash),
                "txHash": row.tx_hash.as_deref().map(hex0x),
                "logIndex": row.log_index,
                "handler": row.handler,
                "event": payload,
            }),
        })
    }

    /// `SCAN_WARNING` once per (level, next scan time) when chain time is
    /// within `websocket.scan_warning_secs` of it.
    async fn scan_warnings(&self, warned: &mut BTreeSet<(i16, i64)>) -> Result<(), sqlx::Error> {
        let now: Option<i64> = sqlx::query_scalar(
            "SELECT extract(epoch from max(block_time))::int8 FROM wraith_blocks",
        )
        .fetch_one(&self.pool)
        .await?;
        let Some(now) = now else {
            return Ok(());
        };
        let levels: Vec<(i16, i64)> = sqlx::query_as(
            "SELECT level, extract(epoch from next_scan_time)::int8 FROM levels WHERE next_scan_time IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        let window = i64::try_from(self.config.scan_warning_secs).unwrap_or(i64::MAX);
        for (level, next) in levels {
            let until = next - now;
            if until > 0 && until <= window && warned.insert((level, next)) {
                let _ = self.events.send(Arc::new(HubEvent::ScanWarning(json!({
                    "type": "SCAN_WARNING",
                    "level": level,
                    "seconds_until": until,
                    "next_scan_time": next,
                }))));
            }
        }
        // Forget warnings of scans that are past.
        warned.retain(|(_, next)| *next > now - 3600);
        Ok(())
    }
}

async fn fetch_rows(
    pool: &PgPool,
    after: i64,
    through: i64,
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind, block_number, block_hash, tx_hash, log_index, handler, handler_version,
                stream_name, msg_key, payload::text AS payload
         FROM wraith_outbox WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3",
    )
    .bind(after)
    .bind(through)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// `GET /ws`: upgrade to the gateway protocol.
pub(crate) async fn upgrade(
    State(state): State<ApiState>,
    connect: Option<Extension<ConnectInfo<SocketAddr>>>,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let hub = state
        .ws
        .ok_or_else(|| ApiError::NotFound("the WebSocket gateway is disabled".to_owned()))?;
    let ip = connect.map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.0.ip());
    let slot = hub.admit(ip).ok_or_else(|| ApiError::RateLimited {
        message: format!(
            "at most {} WebSocket connections per client (websocket.max_connections_per_ip)",
            hub.config.max_connections_per_ip
        ),
        retry_after_secs: 5,
    })?;
    Ok(ws.on_upgrade(move |socket| serve(hub, socket, slot)))
}

/// One connection's state.
struct Conn {
    hub: Arc<WsHub>,
    channels: HashSet<String>,
    users: HashSet<String>,
    watermark: i64,
    seen: VecDeque<i64>,
    seen_set: HashSet<i64>,
    out: mpsc::Sender<Message>,
}

/// Why a connection ends.
enum End {
    /// The peer left.
    Gone,
    /// We close it, with a code and reason.
    Close(u16, String),
}

impl Conn {
    fn push(&self, v: &Value) -> Result<(), End> {
        self.out
            .try_send(Message::Text(Utf8Bytes::from(v.to_string())))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => End::Close(
                    CLOSE_POLICY,
                    format!(
                        "slow consumer: {} messages queued (websocket.send_queue); reconnect with RECONNECT",
                        self.hub.config.send_queue
                    ),
                ),
                mpsc::error::TrySendError::Closed(_) => End::Gone,
            })
    }

    fn error(&self, code: &str, message: &str) -> Result<(), End> {
        self.push(&json!({"type": "ERROR", "code": code, "message": message}))
    }

    fn remember(&mut self, id: i64) {
        if self.seen_set.insert(id) {
            self.seen.push_back(id);
            if self.seen.len() > SEEN
                && let Some(old) = self.seen.pop_front()
            {
                self.seen_set.remove(&old);
            }
        }
    }

    fn wants(&self, channel: &str) -> bool {
        self.channels.contains(channel) || self.channels.contains("feed")
    }

    /// The frames `event` produces for this connection (live or replay).
    async fn frames(&mut self, event: &HubEvent, replay: bool) -> Vec<Value> {
        match event {
            HubEvent::Data {
                id,
                channel,
                stream,
                key,
                frame,
            } => {
                let mut out = Vec::new();
                if self.wants(channel) {
                    out.push(frame.clone());
                    self.remember(*id);
                }
                if !replay && *channel == "positions" && self.users.contains(key) {
                    let position = position_of(&self.hub.pool, key).await;
                    out.push(json!({
                        "type": "POSITION_UPDATE",
                        "sequenceId": id,
                        "address": key,
                        "stream": stream,
                        "event": frame["event"],
                        "position": position,
                    }));
                    self.remember(*id);
                }
                out
            }
            HubEvent::Revert {
                id,
                retracted,
                from_block,
                to_block,
            } => {
                // Live: only what this client saw. Replay: the client may
                // have seen any of them before it disconnected.
                let ids: Vec<i64> = retracted
                    .iter()
                    .copied()
                    .filter(|r| replay || self.seen_set.contains(r))
                    .collect();
                if ids.is_empty() {
                    return Vec::new();
                }
                vec![json!({
                    "type": "REVERT",
                    "sequenceId": id,
                    "fromBlock": from_block,
                    "toBlock": to_block,
                    "sequenceIds": ids,
                })]
            }
            HubEvent::ScanWarning(v) => {
                if replay || !self.wants("scans") {
                    Vec::new()
                } else {
                    vec![v.clone()]
                }
            }
            HubEvent::Indexed(v) => {
                if replay || !self.channels.contains("status") {
                    Vec::new()
                } else {
                    vec![v.clone()]
                }
            }
        }
    }

    async fn live(&mut self, event: &HubEvent) -> Result<(), End> {
        let id = match event {
            HubEvent::Data { id, .. } | HubEvent::Revert { id, .. } => Some(*id),
            HubEvent::ScanWarning(_) | HubEvent::Indexed(_) => None,
        };
        if let Some(id) = id {
            if id <= self.watermark {
                return Ok(());
            }
            self.watermark = id;
        }
        for f in self.frames(event, false).await {
            self.push(&f)?;
        }
        Ok(())
    }

    async fn client(&mut self, text: &str) -> Result<(), End> {
        let Ok(msg) = serde_json::from_str::<Value>(text) else {
            return self.error("BAD_MESSAGE", "frames must be JSON objects with a `type`");
        };
        let list = |k: &str| -> Vec<String> {
            msg[k]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        match msg["type"].as_str().unwrap_or_default() {
            "PING" => self.push(&json!({"type": "PONG"})),
            t @ ("SUBSCRIBE" | "UNSUBSCRIBE") => {
                let channels = list("channels");
                if channels.is_empty() {
                    return self.error("BAD_MESSAGE", "`channels` must be a non-empty array");
                }
                if let Some(bad) = channels.iter().find(|c| !CHANNELS.contains(&c.as_str())) {
                    return self.error(
                        "BAD_CHANNEL",
                        &format!("unknown channel {bad:?}; channels: {}", CHANNELS.join(", ")),
                    );
                }
                for c in channels {
                    if t == "SUBSCRIBE" {
                        self.channels.insert(c);
                    } else {
                        self.channels.remove(&c);
                    }
                }
                self.subscribed()
            }
            t @ ("SUBSCRIBE_USER" | "UNSUBSCRIBE_USER") => {
                let raw = msg["address"].as_str().unwrap_or_default();
                let Ok(addr) = crate::config::validate::parse_address(raw) else {
                    return self.error(
                        "INVALID_ADDRESS",
                        &format!("`address` must be a 0x-prefixed 20-byte hex address, got {raw:?}"),
                    );
                };
                let key = format!("{addr:#x}");
                if t == "SUBSCRIBE_USER" {
                    self.users.insert(key);
                } else {
                    self.users.remove(&key);
                }
                self.subscribed()
            }
            "RECONNECT" => match msg["lastSequenceId"].as_i64() {
                Some(last) if last >= 0 => self.reconnect(last).await,
                _ => self.error(
                    "BAD_MESSAGE",
                    "`lastSequenceId` must be a non-negative integer",
                ),
            },
            other => self.error(
                "BAD_MESSAGE",
                &format!(
                    "unknown type {other:?}; one of SUBSCRIBE, UNSUBSCRIBE, SUBSCRIBE_USER, UNSUBSCRIBE_USER, RECONNECT, PING"
                ),
            ),
        }
    }

    fn subscribed(&self) -> Result<(), End> {
        let mut channels: Vec<&String> = self.channels.iter().collect();
        channels.sort();
        let mut users: Vec<&String> = self.users.iter().collect();
        users.sort();
        self.push(&json!({"type": "SUBSCRIBED", "channels": channels, "users": users}))
    }

    async fn reconnect(&mut self, last: i64) -> Result<(), End> {
        let head = self.hub.head();
        let limit = self.hub.config.replay_limit;
        if last > head || head - last > limit {
            self.watermark = self.watermark.max(head);
            let reason = if last > head {
                format!("sequence id {last} is ahead of the server ({head}); refetch")
            } else {
                format!(
                    "{} events missed, more than websocket.replay_limit ({limit}); refetch over REST",
                    head - last
                )
            };
            return self.push(&json!({
                "type": "FULL_SYNC",
                "fromSequenceId": last + 1,
                "toSequenceId": head,
                "reason": reason,
            }));
        }
        let rows = match fetch_rows(&self.hub.pool, last, head, limit).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "websocket replay failed");
                return self.error("INTERNAL_ERROR", "replay failed; retry RECONNECT");
            }
        };
        let mut events = Vec::new();
        for row in &rows {
            match self.hub.to_event(row).await {
                Ok(ev) => events.extend(self.frames(&ev, true).await),
                Err(e) => {
                    tracing::warn!(error = %e, "websocket replay failed");
                    return self.error("INTERNAL_ERROR", "replay failed; retry RECONNECT");
                }
            }
        }
        self.watermark = self.watermark.max(head);
        self.push(&json!({
            "type": "REPLAY",
            "events": events,
            "fromSequenceId": last + 1,
            "toSequenceId": head,
        }))
    }
}

/// The current position of `address` (as `/api/v1/positions/{address}`).
async fn position_of(pool: &PgPool, address: &str) -> Value {
    let Ok(addr) = crate::config::validate::parse_address(address) else {
        return Value::Null;
    };
    super::positions::fetch_one(pool, addr.as_ref())
        .await
        .ok()
        .flatten()
        .map_or(Value::Null, |p| json!(p))
}

async fn serve(hub: Arc<WsHub>, socket: WebSocket, slot: Slot) {
    let _slot = slot;
    let (mut sink, mut stream) = socket.split();
    let mut live = hub.events.subscribe();
    let (out, mut out_rx) = mpsc::channel::<Message>(hub.config.send_queue);
    let (close_tx, mut close_rx) = oneshot::channel::<(u16, String)>();
    let writer = tokio::spawn(async move {
        loop {
            tokio::select! {
                biased;
                c = &mut close_rx => {
                    if let Ok((code, reason)) = c {
                        let _ = sink
                            .send(Message::Close(Some(CloseFrame {
                                code,
                                reason: Utf8Bytes::from(reason),
                            })))
                            .await;
                    }
                    break;
                }
                m = out_rx.recv() => match m {
                    Some(m) => {
                        if sink.send(m).await.is_err() {
                            break;
                        }
                    }
                    None => break,
                },
            }
        }
    });
    let mut conn = Conn {
        watermark: hub.head(),
        hub: hub.clone(),
        channels: HashSet::new(),
        users: HashSet::new(),
        seen: VecDeque::new(),
        seen_set: HashSet::new(),
        out,
    };
    let beat = Duration::from_secs(hub.config.heartbeat_secs);
    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + beat, beat);
    let mut last_heard = Instant::now();
    let hello =
        json!({"type": "CONNECTION_STATE", "status": "connected", "sequenceId": conn.watermark});
    let mut end = conn.push(&hello).err();
    while end.is_none() {
        let step = tokio::select! {
            m = stream.next() => {
                last_heard = Instant::now();
                match m {
                    Some(Ok(Message::Text(t))) => conn.client(t.as_str()).await,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => Err(End::Gone),
                    Some(Ok(_)) => Ok(()),
                }
            }
            e = live.recv() => match e {
                Ok(e) => conn.live(&e).await,
                Err(broadcast::error::RecvError::Lagged(n)) => Err(End::Close(
                    CLOSE_POLICY,
                    format!("slow consumer: fell {n} events behind; reconnect with RECONNECT"),
                )),
                Err(broadcast::error::RecvError::Closed) => {
                    Err(End::Close(CLOSE_AGAIN, "the server is shutting down".to_owned()))
                }
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > beat * 2 {
                    Err(End::Close(CLOSE_POLICY, "no answer to pings (heartbeat)".to_owned()))
                } else {
                    conn.out
                        .try_send(Message::Ping(axum::body::Bytes::new()))
                        .map_err(|_| End::Close(CLOSE_POLICY, "slow consumer: the send queue is full".to_owned()))
                }
            }
        };
        end = step.err();
    }
    if let Some(End::Close(code, reason)) = end {
        tracing::info!(code, %reason, "closing a websocket client");
        let _ = close_tx.send((code, reason));
    }
    drop(conn);
    let _ = writer.await;
}
