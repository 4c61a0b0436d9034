//! [`SqlValue`]: the host's exact representation of a column value, the
//! column types handler tables may use, and conversion to and from the WIT
//! `value` variant.

use num_bigint::BigInt;
use num_traits::Zero;

use crate::runtime::bindings::Value;

/// An exact column value. Numerics are canonical decimal strings (no
/// leading zeros, no `-0`), so equal values compare equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SqlValue {
    /// SQL NULL.
    Null,
    /// `boolean`.
    Bool(bool),
    /// `smallint`, `integer`, `bigint`.
    Int(i64),
    /// `numeric`, as a canonical decimal integer.
    Numeric(String),
    /// `text`, `varchar`.
    Text(String),
    /// `bytea`.
    Bytes(Vec<u8>),
    /// `timestamptz`, seconds since the epoch.
    Timestamp(i64),
    /// `jsonb`, as text.
    Json(String),
}

/// Column types a handler table may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `boolean`
    Bool,
    /// `smallint`
    Int2,
    /// `integer`
    Int4,
    /// `bigint`
    Int8,
    /// `numeric` (integers only; `NUMERIC(78,0)` for 256-bit values)
    Numeric,
    /// `text` or `varchar`
    Text,
    /// `bytea`
    Bytea,
    /// `timestamptz`
    Timestamptz,
    /// `jsonb`
    Jsonb,
}

impl ColumnType {
    /// Map a PostgreSQL type name (`pg_type.typname`).
    pub fn from_pg(typname: &str) -> Option<Self> {
        Some(match typname {
            "bool" => Self::Bool,
            "int2" => Self::Int2,
            "int4" => Self::Int4,
            "int8" => Self::Int8,
            "numeric" => Self::Numeric,
            "text" | "varchar" | "bpchar" => Self::Text,
            "bytea" => Self::Bytea,
            "timestamptz" => Self::Timestamptz,
            "jsonb" => Self::Jsonb,
            _ => return None,
        })
    }

    /// The SQL type of the array bound for writes.
    pub fn bind_array(self) -> &'static str {
        match self {
            Self::Bool => "bool[]",
            Self::Int2 | Self::Int4 | Self::Int8 | Self::Timestamptz => "int8[]",
            Self::Numeric | Self::Text | Self::Jsonb => "text[]",
            Self::Bytea => "bytea[]",
        }
    }

    /// Expression converting a bound array element `e` to the column type.
    pub fn write_expr(self, e: &str) -> String {
        match self {
            Self::Bool | Self::Int8 | Self::Text | Self::Bytea => e.to_owned(),
            Self::Int2 => format!("{e}::int2"),
            Self::Int4 => format!("{e}::int4"),
            Self::Numeric => format!("{e}::numeric"),
            Self::Timestamptz => format!("to_timestamp({e})"),
            Self::Jsonb => format!("{e}::jsonb"),
        }
    }

    /// Expression reading column expression `c` into the transport type.
    /// Every branch casts, so that a literal (a column default such as `0`,
    /// typed `integer` by PostgreSQL) decodes as the column's type.
    pub fn read_expr(self, c: &str) -> String {
        match self {
            Self::Bool => format!("({c})::bool"),
            Self::Text => format!("({c})::text"),
            Self::Bytea => format!("({c})::bytea"),
            Self::Int2 | Self::Int4 | Self::Int8 => format!("({c})::int8"),
            Self::Numeric | Self::Jsonb => format!("({c})::text"),
            Self::Timestamptz => format!("extract(epoch from ({c}))::int8"),
        }
    }

    /// Human name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bool => "boolean",
            Self::Int2 => "smallint",
            Self::Int4 => "integer",
            Self::Int8 => "bigint",
            Self::Numeric => "numeric",
            Self::Text => "text",
            Self::Bytea => "bytea",
            Self::Timestamptz => "timestamptz",
            Self::Jsonb => "jsonb",
        }
    }

    fn int_range(self) -> Option<(i64, i64)> {
        match self {
            Self::Int2 => Some((i64::from(i16::MIN), i64::from(i16::MAX))),
            Self::Int4 => Some((i64::from(i32::MIN), i64::from(i32::MAX))),
            Self::Int8 => Some((i64::MIN, i64::MAX)),
            _ => None,
        }
    }

    /// Whether `add`/`sub` apply.
    pub fn is_arithmetic(self) -> bool {
        matches!(self, Self::Int2 | Self::Int4 | Self::Int8 | Self::Numeric)
    }

    /// Whether `max`/`min` apply.
    pub fn is_ordered(self) -> bool {
        self.is_arithmetic() || self == Self::Timestamptz
    }
}

/// The largest magnitude a `NUMERIC(78,0)` holds is 10^78 − 1.
const MAX_NUMERIC_DIGITS: usize = 78;

/// Validate a decimal integer and return its canonical form.
pub fn canonical_decimal(s: &str, signed: bool) -> Result<String, String> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        Some(_) => return Err(format!("{s:?} is negative; uint256 values are unsigned")),
        None => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s:?} is not a decimal integer"));
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.len() > MAX_NUMERIC_DIGITS {
        return Err(format!("{s:?} has more than {MAX_NUMERIC_DIGITS} digits"));
    }
    Ok(match (neg, trimmed.is_empty()) {
        (_, true) => "0".to_owned(),
        (true, false) => format!("-{trimmed}"),
        (false, false) => trimmed.to_owned(),
    })
}

/// Convert a WIT value for a column of type `ty`. The error names what was
/// given and what the column accepts.
pub fn coerce(ty: ColumnType, value: Value) -> Result<SqlValue, String> {
    let mismatch = |given: &str| {
        Err(format!(
            "a {given} value cannot be stored in a {} column",
            ty.name()
        ))
    };
    match value {
        Value::Null => Ok(SqlValue::Null),
        Value::Boolean(b) => match ty {
            ColumnType::Bool => Ok(SqlValue::Bool(b)),
            _ => mismatch("boolean"),
        },
        Value::Int(i) => match ty {
            ColumnType::Numeric => Ok(SqlValue::Numeric(i.to_string())),
            _ => match ty.int_range() {
                Some((lo, hi)) if (lo..=hi).contains(&i) => Ok(SqlValue::Int(i)),
                Some(_) => Err(format!("{i} is out of range for a {} column", ty.name())),
                None => mismatch("int"),
            },
        },
        Value::Uint256(s) | Value::Int256(s) if ty.is_arithmetic() => {
            let canonical = canonical_decimal(&s, true)?;
            match ty.int_range() {
                None => Ok(SqlValue::Numeric(canonical)),
                Some((lo, hi)) => match canonical.parse::<i64>() {
                    Ok(i) if (lo..=hi).contains(&i) => Ok(SqlValue::Int(i)),
                    _ => Err(format!("{s} is out of range for a {} column", ty.name())),
                },
            }
        }
        Value::Uint256(_) => mismatch("uint256"),
        Value::Int256(_) => mismatch("int256"),
        Value::Text(s) => match ty {
            ColumnType::Text => Ok(SqlValue::Text(s)),
            _ => mismatch("text"),
        },
        Value::Bytes(b) => match ty {
            ColumnType::Bytea => Ok(SqlValue::Bytes(b)),
            _ => mismatch("bytes"),
        },
        Value::Address(b) => match ty {
            ColumnType::Bytea if b.len() == 20 => Ok(SqlValue::Bytes(b)),
            ColumnType::Bytea => Err(format!("an address must be 20 bytes, got {}", b.len())),
            _ => mismatch("address"),
        },
        Value::Timestamp(t) => match ty {
            ColumnType::Timestamptz => Ok(SqlValue::Timestamp(t)),
            _ => mismatch("timestamp"),
        },
        Value::Json(s) => match ty {
            ColumnType::Jsonb => match serde_json::from_str::<serde_json::Value>(&s) {
                Ok(_) => Ok(SqlValue::Json(s)),
                Err(e) => Err(format!("json value does not parse: {e}")),
            },
            _ => mismatch("json"),
        },
    }
}

impl SqlValue {
    /// The WIT value handed back to a guest by `get`.
    pub fn to_wit(&self) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Boolean(*b),
            Self::Int(i) => Value::Int(*i),
            Self::Numeric(s) if s.starts_with('-') => Value::Int256(s.clone()),
            Self::Numeric(s) => Value::Uint256(s.clone()),
            Self::Text(s) => Value::Text(s.clone()),
            Self::Bytes(b) => Value::Bytes(b.clone()),
            Self::Timestamp(t) => Value::Timestamp(*t),
            Self::Json(s) => Value::Json(s.clone()),
        }
    }

    /// The value as a big integer (`Null` is zero), for merges.
    pub fn to_bigint(&self) -> Result<BigInt, String> {
        match self {
            Self::Null => Ok(BigInt::zero()),
            Self::Int(i) => Ok(BigInt::from(*i)),
            Self::Numeric(s) => s.parse().map_err(|e| format!("stored numeric {s:?}: {e}")),
            Self::Timestamp(t) => Ok(BigInt::from(*t)),
            other => Err(format!("{other:?} is not a number")),
        }
    }

    /// Build a value of column type `ty` from a big integer, range-checked.
    pub fn from_bigint(ty: ColumnType, v: &BigInt) -> Result<Self, String> {
        match ty {
            ColumnType::Numeric => {
                let s = v.to_string();
                canonical_decimal(&s, true).map(Self::Numeric)
            }
            ColumnType::Timestamptz => i64::try_from(v)
                .map(Self::Timestamp)
                .map_err(|_| format!("{v} is out of range for a timestamp")),
            _ => match ty.int_range() {
                Some((lo, hi)) => match i64::try_from(v) {
                    Ok(i) if (lo..=hi).contains(&i) => Ok(Self::Int(i)),
                    _ => Err(format!("{v} is out of range for a {} column", ty.name())),
                },
                None => Err(format!("a {} column holds no numbers", ty.name())),
            },
        }
    }

    /// Whether the value is NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// JSON form for the undo journal (decoded back with [`Self::from_json`]).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Self::Null => J::Null,
            Self::Bool(b) => J::Bool(*b),
            Self::Int(i) | Self::Timestamp(i) => J::from(*i),
            Self::Numeric(s) | Self::Text(s) | Self::Json(s) => J::String(s.clone()),
            Self::Bytes(b) => J::String(hex::encode(b)),
        }
    }

    /// Decode the undo-journal JSON form for a column of type `ty`.
    pub fn from_json(ty: ColumnType, v: &serde_json::Value) -> Result<Self, String> {
        use serde_json::Value as J;
        Ok(match (ty, v) {
            (_, J::Null) => Self::Null,
            (ColumnType::Bool, J::Bool(b)) => Self::Bool(*b),
            (ColumnType::Int2 | ColumnType::Int4 | ColumnType::Int8, J::Number(n)) => {
                Self::Int(n.as_i64().ok_or_else(|| format!("{n} is not an integer"))?)
            }
            (ColumnType::Timestamptz, J::Number(n)) => {
                Self::Timestamp(n.as_i64().ok_or_else(|| format!("{n} is not an integer"))?)
            }
            (ColumnType::Numeric, J::String(s)) => Self::Numeric(s.clone()),
            (ColumnType::Text, J::String(s)) => Self::Text(s.clone()),
            (ColumnType::Jsonb, J::String(s)) => Self::Json(s.clone()),
            (ColumnType::Bytea, J::String(s)) => {
                Self::Bytes(hex::decode(s).map_err(|e| e.to_string())?)
            }
            (ty, v) => {
                return Err(format!(
                    "journal value {v} does not fit a {} column",
                    ty.name()
                ));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_canonical_and_bounded() {
        assert_eq!(canonical_decimal("000123", false).unwrap(), "123");
        assert_eq!(canonical_decimal("0", false).unwrap(), "0");
        assert_eq!(canonical_decimal("-0", true).unwrap(), "0");
        assert_eq!(canonical_decimal("-007", true).unwrap(), "-7");
        assert!(canonical_decimal("-1", false).is_err());
        assert!(canonical_decimal("1.5", false).is_err());
        assert!(canonical_decimal("", false).is_err());
        assert!(canonical_decimal("1e18", false).is_err());
        let max_u256 =
            "115792089237316195423570985008687907853269984665640564039457584007913129639935";
        assert_eq!(canonical_decimal(max_u256, false).unwrap(), max_u256);
        assert!(canonical_decimal(&"9".repeat(79), false).is_err());
    }

    #[test]
    fn coercion_checks_types_and_ranges() {
        assert_eq!(
            coerce(ColumnType::Numeric, Value::Uint256("10".into())).unwrap(),
            SqlValue::Numeric("10".into())
        );
        assert_eq!(
            coerce(ColumnType::Int2, Value::Int(5)).unwrap(),
            SqlValue::Int(5)
        );
        assert!(
            coerce(ColumnType::Int2, Value::Int(40_000))
                .unwrap_err()
                .contains("out of range")
        );
        assert!(
            coerce(ColumnType::Text, Value::Int(1))
                .unwrap_err()
                .contains("int value cannot be stored in a text column")
        );
        assert!(
            coerce(ColumnType::Bytea, Value::Address(vec![1; 19]))
                .unwrap_err()
                .contains("20 bytes")
        );
        assert!(coerce(ColumnType::Jsonb, Value::Json("{".into())).is_err());
        assert_eq!(
            coerce(ColumnType::Int8, Value::Uint256("42".into())).unwrap(),
            SqlValue::Int(42)
        );
        assert!(coerce(ColumnType::Numeric, Value::Text("1".into())).is_err());
    }

    #[test]
    fn journal_json_round_trips() {
        let cases = [
            (
                ColumnType::Numeric,
                SqlValue::Numeric("123456789012345678901234567890".into()),
            ),
            (ColumnType::Bytea, SqlValue::Bytes(vec![0xde, 0xad])),
            (ColumnType::Timestamptz, SqlValue::Timestamp(1_700_000_000)),
            (ColumnType::Bool, SqlValue::Bool(true)),
            (ColumnType::Int4, SqlValue::Int(-3)),
            (ColumnType::Text, SqlValue::Null),
        ];
        for (ty, v) in cases {
            assert_eq!(SqlValue::from_json(ty, &v.to_json()).unwrap(), v);
        }
    }

    #[test]
    fn bigint_results_are_range_checked() {
        let big: BigInt = "1".repeat(79).parse().unwrap();
        assert!(SqlValue::from_bigint(ColumnType::Numeric, &big).is_err());
        assert!(SqlValue::from_bigint(ColumnType::Int2, &BigInt::from(70_000)).is_err());
        assert_eq!(
            SqlValue::from_bigint(ColumnType::Numeric, &BigInt::from(-5)).unwrap(),
            SqlValue::Numeric("-5".into())
        );
    }
}
