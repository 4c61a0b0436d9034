//! Conversions between Rust values and the WIT `value` variant, and typed
//! access to rows returned by `get`.

use alloy_primitives::{Address, B256, Bytes, FixedBytes, I256, U256};

use crate::bindings::wraith::handler::types::Column;
use crate::{Error, Result, Value};

/// Seconds since the Unix epoch, stored in a `timestamptz` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(pub i64);

/// A JSON document, stored in a `jsonb` column.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub serde_json::Value);

/// Anything that can be written to a column.
pub trait IntoValue {
    /// Convert into the WIT value.
    fn into_value(self) -> Value;
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}

impl IntoValue for U256 {
    fn into_value(self) -> Value {
        Value::Uint256(self.to_string())
    }
}

impl IntoValue for I256 {
    fn into_value(self) -> Value {
        Value::Int256(self.to_string())
    }
}

impl IntoValue for Address {
    fn into_value(self) -> Value {
        Value::Address(self.to_vec())
    }
}

impl IntoValue for bool {
    fn into_value(self) -> Value {
        Value::Boolean(self)
    }
}

macro_rules! small_ints {
    ($($t:ty),*) => {$(
        impl IntoValue for $t {
            fn into_value(self) -> Value {
                Value::Int(i64::from(self))
            }
        }
    )*};
}
small_ints!(u8, u16, u32, i8, i16, i32, i64);

impl IntoValue for u64 {
    fn into_value(self) -> Value {
        match i64::try_from(self) {
            Ok(v) => Value::Int(v),
            Err(_) => Value::Uint256(self.to_string()),
        }
    }
}

impl IntoValue for &str {
    fn into_value(self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl IntoValue for String {
    fn into_value(self) -> Value {
        Value::Text(self)
    }
}

impl IntoValue for Vec<u8> {
    fn into_value(self) -> Value {
        Value::Bytes(self)
    }
}

impl IntoValue for &[u8] {
    fn into_value(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

impl IntoValue for Bytes {
    fn into_value(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

impl<const N: usize> IntoValue for FixedBytes<N> {
    fn into_value(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

impl IntoValue for Timestamp {
    fn into_value(self) -> Value {
        Value::Timestamp(self.0)
    }
}

impl IntoValue for Json {
    fn into_value(self) -> Value {
        Value::Json(self.0.to_string())
    }
}

impl<T: IntoValue> IntoValue for Option<T> {
    fn into_value(self) -> Value {
        match self {
            Some(v) => v.into_value(),
            None => Value::Null,
        }
    }
}

/// A primary key: the key columns of an entity table, by name.
#[derive(Debug, Clone, Default)]
pub struct Key(pub(crate) Vec<Column>);

impl Key {
    /// A key with one column.
    pub fn new(name: &str, value: impl IntoValue) -> Self {
        Self(vec![Column {
            name: name.to_owned(),
            value: value.into_value(),
        }])
    }

    /// Add a column (for composite keys).
    pub fn and(mut self, name: &str, value: impl IntoValue) -> Self {
        self.0.push(Column {
            name: name.to_owned(),
            value: value.into_value(),
        });
        self
    }
}

/// A row returned by [`crate::Ctx::get`]: every column of the table.
#[derive(Debug, Clone)]
pub struct Row(pub(crate) Vec<Column>);

impl Row {
    /// The raw value of a column.
    pub fn value(&self, name: &str) -> Result<&Value> {
        self.0
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.value)
            .ok_or_else(|| Error(format!("row has no column {name}")))
    }

    /// Whether a column is NULL.
    pub fn is_null(&self, name: &str) -> Result<bool> {
        Ok(matches!(self.value(name)?, Value::Null))
    }

    /// A `numeric` column as an unsigned 256-bit integer.
    pub fn u256(&self, name: &str) -> Result<U256> {
        match self.value(name)? {
            Value::Uint256(s) | Value::Int256(s) => s
                .parse::<U256>()
                .map_err(|e| Error(format!("column {name}: {s:?} is not a uint256: {e}"))),
            Value::Int(i) => u64::try_from(*i)
                .map(U256::from)
                .map_err(|_| Error(format!("column {name}: {i} is negative"))),
            other => Err(type_error(name, "uint256", other)),
        }
    }

    /// A `numeric` column as a signed 256-bit integer.
    pub fn i256(&self, name: &str) -> Result<I256> {
        match self.value(name)? {
            Value::Uint256(s) | Value::Int256(s) => s
                .parse::<I256>()
                .map_err(|e| Error(format!("column {name}: {s:?} is not an int256: {e}"))),
            Value::Int(i) => Ok(I256::try_from(*i).unwrap_or_default()),
            other => Err(type_error(name, "int256", other)),
        }
    }

    /// An integer column.
    pub fn i64(&self, name: &str) -> Result<i64> {
        match self.value(name)? {
            Value::Int(i) => Ok(*i),
            Value::Uint256(s) | Value::Int256(s) => s
                .parse::<i64>()
                .map_err(|e| Error(format!("column {name}: {s:?}: {e}"))),
            other => Err(type_error(name, "int", other)),
        }
    }

    /// A boolean column.
    pub fn bool(&self, name: &str) -> Result<bool> {
        match self.value(name)? {
            Value::Boolean(b) => Ok(*b),
            other => Err(type_error(name, "boolean", other)),
        }
    }

    /// A `bytea` column holding a 20-byte address.
    pub fn address(&self, name: &str) -> Result<Address> {
        match self.value(name)? {
            Value::Address(b) | Value::Bytes(b) if b.len() == 20 => Ok(Address::from_slice(b)),
            other => Err(type_error(name, "address", other)),
        }
    }

    /// A `bytea` column.
    pub fn bytes(&self, name: &str) -> Result<Vec<u8>> {
        match self.value(name)? {
            Value::Address(b) | Value::Bytes(b) => Ok(b.clone()),
            other => Err(type_error(name, "bytes", other)),
        }
    }

    /// A `bytea` column holding 32 bytes.
    pub fn b256(&self, name: &str) -> Result<B256> {
        let b = self.bytes(name)?;
        B256::try_from(b.as_slice()).map_err(|_| Error(format!("column {name}: not 32 bytes")))
    }

    /// A text column.
    pub fn text(&self, name: &str) -> Result<String> {
        match self.value(name)? {
            Value::Text(s) | Value::Json(s) => Ok(s.clone()),
            other => Err(type_error(name, "text", other)),
        }
    }

    /// A `timestamptz` column, in seconds since the epoch.
    pub fn timestamp(&self, name: &str) -> Result<i64> {
        match self.value(name)? {
            Value::Timestamp(t) => Ok(*t),
            other => Err(type_error(name, "timestamp", other)),
        }
    }
}

fn type_error(name: &str, want: &str, got: &Value) -> Error {
    let got = match got {
        Value::Null => "null",
        Value::Boolean(_) => "boolean",
        Value::Int(_) => "int",
        Value::Uint256(_) => "uint256",
        Value::Int256(_) => "int256",
        Value::Text(_) => "text",
        Value::Bytes(_) => "bytes",
        Value::Address(_) => "address",
        Value::Timestamp(_) => "timestamp",
        Value::Json(_) => "json",
    };
    Error(format!("column {name}: expected {want}, found {got}"))
}
