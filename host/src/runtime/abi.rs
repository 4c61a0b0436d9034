//! Decoding raw logs with a handler's declared events into WIT parameters.

use alloy::dyn_abi::DynSolValue;
use alloy::primitives::B256;

use super::bindings::{AbiValue, EncodedValue, Param};
use super::manifest::EventInfo;

/// Decode `topics`/`data` against `info`. The error says why the log does
/// not match the declaration (it is recorded as a failure and skipped).
pub fn decode(info: &EventInfo, topics: &[B256], data: &[u8]) -> Result<Vec<Param>, String> {
    let decoded = info
        .decoder
        .decode_log_parts(topics.iter().copied(), data)
        .map_err(|e| format!("log does not decode as {}: {e}", info.signature))?;
    let mut indexed = decoded.indexed.into_iter();
    let mut body = decoded.body.into_iter();
    let mut params = Vec::with_capacity(info.event.inputs.len());
    for input in &info.event.inputs {
        let (value, ty) = if input.indexed {
            let v = indexed.next().ok_or("fewer indexed values than declared")?;
            // Dynamic indexed values (string, bytes, arrays, tuples) are only
            // their keccak-256 hash in the topic.
            let is_dynamic_hash = matches!(v, DynSolValue::FixedBytes(_, 32))
                && !input.ty.starts_with("bytes32")
                && (input.ty == "string"
                    || input.ty == "bytes"
                    || input.ty.ends_with(']')
                    || input.ty.starts_with('('));
            if is_dynamic_hash {
                let DynSolValue::FixedBytes(word, _) = v else {
                    unreachable!("matched above")
                };
                let encoded = EncodedValue {
                    abi_type: "hash".to_owned(),
                    data: word.to_vec(),
                };
                params.push(Param {
                    name: input.name.clone(),
                    value: AbiValue::Encoded(encoded),
                });
                continue;
            }
            (v, input.selector_type())
        } else {
            (
                body.next().ok_or("fewer data values than declared")?,
                input.selector_type(),
            )
        };
        params.push(Param {
            name: input.name.clone(),
            value: to_wit(value, &ty),
        });
    }
    Ok(params)
}

fn to_wit(value: DynSolValue, ty: &str) -> AbiValue {
    match value {
        DynSolValue::Address(a) => AbiValue::Address(a.to_vec()),
        DynSolValue::Bool(b) => AbiValue::Boolean(b),
        DynSolValue::Uint(u, _) => AbiValue::Uint(u.to_string()),
        DynSolValue::Int(i, _) => AbiValue::Int(i.to_string()),
        DynSolValue::FixedBytes(w, size) => AbiValue::FixedBytes(w[..size.min(32)].to_vec()),
        DynSolValue::Bytes(b) => AbiValue::Bytes(b),
        DynSolValue::String(s) => AbiValue::Text(s),
        other => AbiValue::Encoded(EncodedValue {
            abi_type: ty.to_owned(),
            data: other.abi_encode(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use alloy::primitives::{Address, U256, b256};
    use alloy::sol_types::SolValue;

    use super::*;
    use crate::runtime::bindings::{EventDecl, Manifest};
    use crate::runtime::manifest::HandlerInfo;

    fn info(sig: &str) -> EventInfo {
        let m = Manifest {
            name: "h".into(),
            version: "1".into(),
            events: vec![EventDecl {
                contract: "C".into(),
                signature: sig.into(),
                needs_tx_input: false,
            }],
            tables: vec![],
            stream_names: vec![],
        };
        HandlerInfo::new("h", "0".into(), m, BTreeMap::new())
            .unwrap()
            .events
            .remove(0)
    }

    #[test]
    fn jacked_in_decodes_in_declaration_order() {
        let i = info(
            "event JackedIn(address indexed user, uint256 amount, uint8 indexed level, uint256 newTotal)",
        );
        let user = Address::repeat_byte(0xab);
        let topics = [i.topic0, user.into_word(), B256::with_last_byte(3)];
        let data = (U256::from(10u64).pow(U256::from(20u64)), U256::from(7u64)).abi_encode_params();
        let p = decode(&i, &topics, &data).unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!(p[0].name, "user");
        assert!(matches!(&p[0].value, AbiValue::Address(a) if a == &user.to_vec()));
        assert!(matches!(&p[1].value, AbiValue::Uint(s) if s == "100000000000000000000"));
        assert!(matches!(&p[2].value, AbiValue::Uint(s) if s == "3"));
        assert!(matches!(&p[3].value, AbiValue::Uint(s) if s == "7"));
    }

    #[test]
    fn wrong_topic_count_is_an_error_not_a_panic() {
        let i = info("event Transfer(address indexed from, address indexed to, uint256 value)");
        // An ERC-721 Transfer: same topic0, the value is a fourth topic.
        let topics = [i.topic0, B256::ZERO, B256::ZERO, B256::ZERO];
        let e = decode(&i, &topics, &[]).unwrap_err();
        assert!(
            e.contains("does not decode as Transfer(address,address,uint256)"),
            "{e}"
        );
        let topics = [i.topic0, B256::ZERO, B256::ZERO];
        assert!(decode(&i, &topics, &[1, 2, 3]).is_err());
    }

    #[test]
    fn tuples_and_arrays_arrive_encoded_with_their_type() {
        let i = info("event WeightsUpdated(uint16[5] newWeights)");
        let weights: [u16; 5] = [500, 1000, 2000, 3000, 3500];
        let data = (weights,).abi_encode_params();
        let p = decode(&i, &[i.topic0], &data).unwrap();
        let AbiValue::Encoded(e) = &p[0].value else {
            panic!("{:?}", p[0].value)
        };
        assert_eq!(e.abi_type, "uint16[5]");
        assert_eq!(<[u16; 5]>::abi_decode(&e.data).unwrap(), weights);
    }

    #[test]
    fn indexed_string_is_its_hash() {
        let i = info("event Named(string indexed name, uint256 v)");
        let h = b256!("0x1111111111111111111111111111111111111111111111111111111111111111");
        let p = decode(&i, &[i.topic0, h], &U256::from(1u8).abi_encode()).unwrap();
        assert!(
            matches!(&p[0].value, AbiValue::Encoded(e) if e.abi_type == "hash" && e.data == h.to_vec())
        );
    }
}
