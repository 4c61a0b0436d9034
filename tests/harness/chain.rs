//! [`Anvil`]: a real local chain on a free port, with funded test
//! accounts and helpers to send calls, deploy contracts and reorganise.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use alloy::network::{EthereumWallet, TransactionBuilder};
use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::{TransactionReceipt, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolCall;
use anyhow::{Context, bail};

use crate::{free_port, paths, wait_until};

/// Gas limit of every test transaction (anvil blocks hold 30 M).
pub const GAS_LIMIT: u64 = 8_000_000;

/// A running anvil.
#[derive(Debug)]
pub struct Anvil {
    child: Option<Child>,
    /// Its port.
    pub port: u16,
    /// Its HTTP URL.
    pub url: String,
    /// A provider that signs for every account in `accounts`.
    pub provider: DynProvider,
    /// Funded accounts (index 0 is the deployer/admin).
    pub accounts: Vec<Address>,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Deterministic test keys.
pub fn signer(i: usize) -> anyhow::Result<PrivateKeySigner> {
    let seed = keccak256(format!("wraith-test-account-{i}"));
    Ok(PrivateKeySigner::from_bytes(&seed)?)
}

impl Anvil {
    /// Start anvil with `accounts` funded deterministic accounts.
    pub async fn start(accounts: usize) -> anyhow::Result<Self> {
        Self::start_on(free_port()?, accounts).await
    }

    /// Start anvil on `port`.
    pub async fn start_on(port: u16, accounts: usize) -> anyhow::Result<Self> {
        Self::start_with(port, accounts, 31337).await
    }

    /// Start anvil on `port` reporting `chain_id`.
    pub async fn start_with(port: u16, accounts: usize, chain_id: u64) -> anyhow::Result<Self> {
        let chain_id = chain_id.to_string();
        let child = Command::new(paths::tool("anvil")?)
            .args([
                "--port",
                &port.to_string(),
                "--host",
                "127.0.0.1",
                "--chain-id",
                &chain_id,
                "--silent",
                "--accounts",
                "1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting anvil")?;
        Self::attach(Some(child), port, accounts).await
    }

    /// Use an anvil that is already running on `port` (the devnet).
    pub async fn connect(port: u16, accounts: usize) -> anyhow::Result<Self> {
        Self::attach(None, port, accounts).await
    }

    async fn attach(child: Option<Child>, port: u16, accounts: usize) -> anyhow::Result<Self> {
        crate::init();
        let url = format!("http://127.0.0.1:{port}");
        let mut wallet = EthereumWallet::default();
        let mut addrs = Vec::with_capacity(accounts);
        for i in 0..accounts {
            let s = signer(i)?;
            addrs.push(s.address());
            wallet.register_signer(s);
        }
        // No nonce filler: `send_raw` sets the nonce from the latest block.
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .fetch_chain_id()
            .wallet(wallet)
            .connect_http(url.parse()?)
            .erased();
        let anvil = Self {
            child,
            port,
            url,
            provider,
            accounts: addrs,
        };
        wait_until("anvil to answer", Duration::from_secs(20), || async {
            Ok(anvil.provider.get_block_number().await.ok().map(|_| ()))
        })
        .await?;
        for a in &anvil.accounts {
            let _: serde_json::Value = anvil
                .provider
                .raw_request(
                    "anvil_setBalance".into(),
                    (a, U256::from(10u64).pow(U256::from(24u64))),
                )
                .await?;
        }
        Ok(anvil)
    }

    /// Send a call from `from` to `to` and wait for a successful receipt.
    pub async fn send<C: SolCall>(
        &self,
        from: Address,
        to: Address,
        call: C,
    ) -> anyhow::Result<TransactionReceipt> {
        self.send_raw(from, Some(to), call.abi_encode().into(), U256::ZERO)
            .await
    }

    /// Send a call with ETH value.
    pub async fn send_value<C: SolCall>(
        &self,
        from: Address,
        to: Address,
        call: C,
        value: U256,
    ) -> anyhow::Result<TransactionReceipt> {
        self.send_raw(from, Some(to), call.abi_encode().into(), value)
            .await
    }

    /// Send raw calldata (or a deployment when `to` is None).
    pub async fn send_raw(
        &self,
        from: Address,
        to: Option<Address>,
        input: Bytes,
        value: U256,
    ) -> anyhow::Result<TransactionReceipt> {
        // The nonce comes from the latest block, not the pool: after
        // `anvil_reorg`/`anvil_rollback` anvil still counts the dropped
        // transactions as pending, and a cached or pending nonce leaves a gap
        // that parks the transaction forever. The gas limit is fixed:
        // GHOSTNET calls depend on the block time, so an estimate made in
        // one second can be short in the next.
        let nonce = self.provider.get_transaction_count(from).latest().await?;
        let mut tx = TransactionRequest::default()
            .with_from(from)
            .with_input(input)
            .with_value(value)
            .with_nonce(nonce)
            .with_gas_limit(GAS_LIMIT);
        match to {
            Some(to) => tx.set_to(to),
            None => tx.set_create(),
        }
        // Simulate first, so a revert reports its reason (custom error data)
        // instead of only a failed receipt.
        if let Err(e) = self.provider.call(tx.clone()).await {
            bail!("the call would revert: {e}");
        }
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .context("sending transaction")?;
        let receipt = pending
            .with_timeout(Some(Duration::from_secs(60)))
            .get_receipt()
            .await
            .context("waiting for the receipt")?;
        if !receipt.status() {
            bail!("transaction {} reverted", receipt.transaction_hash);
        }
        Ok(receipt)
    }

    /// Deploy `code` (bytecode followed by ABI-encoded constructor args).
    pub async fn deploy(&self, from: Address, code: Vec<u8>) -> anyhow::Result<Address> {
        let r = self.send_raw(from, None, code.into(), U256::ZERO).await?;
        r.contract_address
            .context("deployment receipt has no contract address")
    }

    /// `eth_call` and decode.
    pub async fn call<C: SolCall>(&self, to: Address, call: C) -> anyhow::Result<C::Return> {
        let tx = TransactionRequest::default()
            .with_to(to)
            .with_input(call.abi_encode());
        let out = self.provider.call(tx).await?;
        Ok(C::abi_decode_returns(&out)?)
    }

    /// Current block number.
    pub async fn block_number(&self) -> anyhow::Result<u64> {
        Ok(self.provider.get_block_number().await?)
    }

    /// Hash of block `n`.
    pub async fn block_hash(&self, n: u64) -> anyhow::Result<B256> {
        let b = self
            .provider
            .get_block_by_number(n.into())
            .await?
            .context("no such block")?;
        Ok(b.header.hash)
    }

    /// Mine `n` empty blocks.
    pub async fn mine(&self, n: u64) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_mine".into(), (U256::from(n),))
            .await?;
        Ok(())
    }

    /// Move time forward by `secs` (applies to the next block).
    pub async fn increase_time(&self, secs: u64) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .provider
            .raw_request("evm_increaseTime".into(), (U256::from(secs),))
            .await?;
        Ok(())
    }

    /// Remove the last `depth` blocks (the chain gets shorter).
    pub async fn rollback(&self, depth: u64) -> anyhow::Result<()> {
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_rollback".into(), (Some(depth),))
            .await?;
        Ok(())
    }

    /// Replace the last `depth` blocks with `depth` empty blocks (a reorg of
    /// that depth, different hashes).
    pub async fn reorg(&self, depth: u64) -> anyhow::Result<()> {
        let pairs: Vec<serde_json::Value> = Vec::new();
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_reorg".into(), (depth, pairs))
            .await?;
        Ok(())
    }
}
