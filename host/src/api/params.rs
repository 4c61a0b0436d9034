//! Query-parameter parsing shared by the list endpoints: unknown keys,
//! integers and paging are rejected with `INVALID_PARAMETER` (400).

use std::collections::HashMap;

use super::ApiError;

/// Raw query parameters.
pub(crate) type Params = HashMap<String, String>;

/// Reject any key not in `allowed`.
pub(crate) fn only(params: &Params, allowed: &[&str]) -> Result<(), ApiError> {
    let mut keys: Vec<&String> = params.keys().collect();
    keys.sort();
    for key in keys {
        if !allowed.contains(&key.as_str()) {
            return Err(ApiError::InvalidParameter(format!(
                "unknown query parameter {key:?}; allowed: {}",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

/// An optional non-negative integer.
pub(crate) fn u64_opt(params: &Params, key: &str) -> Result<Option<u64>, ApiError> {
    params
        .get(key)
        .map(|v| {
            v.parse::<u64>().map_err(|_| {
                ApiError::InvalidParameter(format!(
                    "{key} must be a non-negative integer, got {v:?}"
                ))
            })
        })
        .transpose()
}

/// An optional GHOSTNET level (1–5).
pub(crate) fn level(params: &Params) -> Result<Option<i16>, ApiError> {
    match u64_opt(params, "level")? {
        None => Ok(None),
        Some(l @ 1..=5) => Ok(Some(l as i16)),
        Some(l) => Err(ApiError::InvalidParameter(format!(
            "level must be 1..=5 (VAULT..BLACK_ICE), got {l}"
        ))),
    }
}

/// An optional boolean (`true` / `false`).
pub(crate) fn bool_opt(params: &Params, key: &str) -> Result<Option<bool>, ApiError> {
    match params.get(key).map(String::as_str) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(v) => Err(ApiError::InvalidParameter(format!(
            "{key} must be true or false, got {v:?}"
        ))),
    }
}

/// `limit` (default 100, at least 1, capped at `max`) and `offset`
/// (default 0), as SQL values.
pub(crate) fn page(params: &Params, max: u32) -> Result<(i64, i64), ApiError> {
    let limit = u64_opt(params, "limit")?.unwrap_or(100);
    if limit == 0 {
        return Err(ApiError::InvalidParameter(
            "limit must be at least 1".to_owned(),
        ));
    }
    let limit = limit.min(u64::from(max));
    let offset = u64_opt(params, "offset")?.unwrap_or(0);
    Ok((
        i64::try_from(limit).unwrap_or(i64::MAX),
        i64::try_from(offset).unwrap_or(i64::MAX),
    ))
}

/// A uint256 id from a path segment, as a decimal string for a NUMERIC bind.
pub(crate) fn uint_id(raw: &str, what: &str) -> Result<String, ApiError> {
    if raw.is_empty() || raw.len() > 78 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::InvalidParameter(format!(
            "{what} must be a decimal integer, got {raw:?}"
        )));
    }
    Ok(raw.to_owned())
}

/// An optional value of `key` among `allowed`.
pub(crate) fn one_of<'a>(
    params: &'a Params,
    key: &str,
    allowed: &[&str],
) -> Result<Option<&'a str>, ApiError> {
    match params.get(key).map(String::as_str) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v)),
        Some(v) => Err(ApiError::InvalidParameter(format!(
            "{key} must be one of {}, got {v:?}",
            allowed.join(", ")
        ))),
    }
}

/// An optional address (`INVALID_ADDRESS` when malformed), as 20 bytes.
pub(crate) fn address_opt(params: &Params, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
    params
        .get(key)
        .map(|raw| super::parse_address(raw))
        .transpose()
}

/// An optional Unix time in seconds.
pub(crate) fn time_opt(params: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    match u64_opt(params, key)? {
        None => Ok(None),
        Some(t) => i64::try_from(t).map(Some).map_err(|_| {
            ApiError::InvalidParameter(format!("{key} must be a Unix time in seconds, got {t}"))
        }),
    }
}
