//! The read cache of `GET /api/v1/*`: successful JSON responses are kept
//! per committed block and dropped as soon as another block commits.
//!
//! A response is stored under the block that was the last committed one
//! when its request started; it is served only while that block is still
//! the last committed one. The database commits before the status moves
//! on, so a response never holds data older than its block, and the API
//! never serves data older than the last committed block. Responses that
//! depend on who asks (rate-limit headers aside) are not cached: only
//! `GET` with status 200.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiState;

/// Largest response body kept (bigger ones are served, not cached).
const MAX_BODY: usize = 1 << 20;

/// Responses of the current block, by path and query.
#[derive(Debug)]
pub struct ReadCache {
    capacity: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    block: Option<(u64, String)>,
    bodies: HashMap<String, Bytes>,
    hits: u64,
    misses: u64,
}

impl ReadCache {
    /// A cache of at most `capacity` responses (per block).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Entries::default()),
        }
    }

    /// The body cached for `key` at `block`, if any.
    fn get(&self, block: &(u64, String), key: &str) -> Option<Bytes> {
        let mut e = self.inner.lock().ok()?;
        if e.block.as_ref() != Some(block) {
            e.block = Some(block.clone());
            e.bodies.clear();
        }
        let hit = e.bodies.get(key).cloned();
        if hit.is_some() {
            e.hits += 1;
        } else {
            e.misses += 1;
        }
        hit
    }

    /// Keep `body` for `key`, if the block has not moved on meanwhile.
    fn put(&self, block: &(u64, String), key: String, body: Bytes) {
        let Ok(mut e) = self.inner.lock() else {
            return;
        };
        if e.block.as_ref() == Some(block) && e.bodies.len() < self.capacity {
            e.bodies.insert(key, body);
        }
    }

    /// Hits and misses since start.
    pub fn counts(&self) -> (u64, u64) {
        self.inner.lock().map_or((0, 0), |e| (e.hits, e.misses))
    }
}

/// Middleware: serve from and fill the cache.
pub(crate) async fn serve(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let Some(cache) = state.read_cache.clone() else {
        return next.run(request).await;
    };
    if request.method() != Method::GET || depends_on_the_clock(request.uri().path()) {
        return next.run(request).await;
    }
    let Some(block) = state.status.indexed_block() else {
        return next.run(request).await;
    };
    let key = request
        .uri()
        .path_and_query()
        .map_or_else(String::new, |p| p.as_str().to_owned());
    if let Some(body) = cache.get(&block, &key) {
        return json_response(body, "hit");
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            cache.put(&block, key, bytes.clone());
            let mut r = Response::from_parts(parts, Body::from(bytes));
            r.headers_mut()
                .insert("x-wraith-cache", HeaderValue::from_static("miss"));
            r
        }
        // Too big to keep: nothing was cached; say so rather than send a
        // truncated body.
        Err(_) => {
            super::ApiError::Internal("response too large to buffer".to_owned()).into_response()
        }
    }
}

/// Routes whose answer also depends on the server's clock (countdowns,
/// periods ending now): never cached, a quiet chain would freeze them.
fn depends_on_the_clock(path: &str) -> bool {
    [
        "/api/v1/scans/next",
        "/api/v1/leaderboards",
        "/api/v1/stats",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

fn json_response(body: Bytes, cache: &'static str) -> Response {
    let mut r = Response::new(Body::from(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert("x-wraith-cache", HeaderValue::from_static(cache));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_for_one_block() {
        let c = ReadCache::new(2);
        let b1 = (1, "0x01".to_owned());
        let b2 = (2, "0x02".to_owned());
        assert!(c.get(&b1, "/a").is_none());
        c.put(&b1, "/a".into(), Bytes::from_static(b"1"));
        assert_eq!(c.get(&b1, "/a").as_deref(), Some(&b"1"[..]));
        // A response computed at block 1 is not stored once block 2 is seen.
        assert!(c.get(&b2, "/a").is_none());
        c.put(&b1, "/b".into(), Bytes::from_static(b"x"));
        assert!(c.get(&b2, "/b").is_none());
        // Same number, other hash (a reorg): dropped too.
        c.put(&b2, "/a".into(), Bytes::from_static(b"2"));
        assert!(c.get(&(2, "0xff".to_owned()), "/a").is_none());
        // Capacity.
        let b3 = (3, "0x03".to_owned());
        assert!(c.get(&b3, "/x").is_none());
        for k in ["/1", "/2", "/3"] {
            c.put(&b3, k.into(), Bytes::from_static(b"v"));
        }
        assert!(c.get(&b3, "/3").is_none());
        assert_eq!(c.counts(), (1, 6));
    }
}
