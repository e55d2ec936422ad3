//! `wasi:keyvalue` (store, atomics, batch) on the embedded durable store, one namespace per
//! component and bucket. A bucket the policy does not list is denied.

use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::component::{HasSelf, Linker, Resource};

use super::Capability;
use crate::error::HostError;
use crate::kvstore::{KvError, KvStore};
use crate::state::{HostState, StateBuilder};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit/deps/wasi-keyvalue",
        world: "wasi:keyvalue/imports",
        imports: { default: trappable },
        with: { "wasi:keyvalue/store.bucket": super::Bucket },
    });
}

use bindings::wasi::keyvalue::{atomics, batch, store};

/// The key-value capability.
pub struct Kv;

/// An open bucket: the table holding this component's bucket.
pub struct Bucket {
    table: String,
}

/// Per-instance key-value state.
#[derive(Default)]
pub struct KvCtx {
    /// Granted bucket names.
    pub buckets: Vec<String>,
    /// Where the store file lives.
    pub data_dir: PathBuf,
    store: Option<Arc<KvStore>>,
}

impl Capability for Kv {
    fn name(&self) -> &'static str {
        "key-value"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &[
            "wasi:keyvalue/store",
            "wasi:keyvalue/atomics",
            "wasi:keyvalue/batch",
        ]
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        store::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
        atomics::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)?;
        batch::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)
    }

    fn grant(&self, _interface: &str, policy: &crate::policy::Policy) -> super::Grant {
        if policy.kv.is_empty() {
            super::Grant::denied("no buckets granted (grants.kv)")
        } else {
            super::Grant::granted(format!("buckets: {}", policy.kv.join(", ")))
        }
    }

    fn configure(&self, state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        state.kv.buckets = state.policy.kv.clone();
        state.kv.data_dir = state
            .policy
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(".loop/data"));
        Ok(())
    }
}

fn other(e: KvError) -> store::Error {
    store::Error::Other(e.0)
}

impl HostState {
    fn kv_store(&mut self) -> Result<Arc<KvStore>, store::Error> {
        if let Some(s) = &self.kv.store {
            return Ok(s.clone());
        }
        let s = KvStore::open(&self.kv.data_dir).map_err(other)?;
        self.kv.store = Some(s.clone());
        Ok(s)
    }

    fn table_of(&self, bucket: &Resource<Bucket>) -> wasmtime::Result<String> {
        Ok(self.table.get(bucket)?.table.clone())
    }
}

impl store::Host for HostState {
    fn open(
        &mut self,
        identifier: String,
    ) -> wasmtime::Result<Result<Resource<Bucket>, store::Error>> {
        if !self.kv.buckets.contains(&identifier) {
            self.logger.denied(
                &self.name,
                "key-value",
                &format!("bucket `{identifier}`"),
                &format!(
                    "kv = [\"{identifier}\"] under [components.{}.grants]",
                    self.name
                ),
            );
            return Ok(Err(store::Error::AccessDenied));
        }
        if let Err(e) = self.kv_store() {
            return Ok(Err(e));
        }
        let table = format!("{}/{}", self.name, identifier);
        Ok(Ok(self.table.push(Bucket { table })?))
    }
}

impl store::HostBucket for HostState {
    fn get(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, store::Error>> {
        let table = self.table_of(&bucket)?;
        Ok(self
            .kv_store()
            .and_then(|s| s.get(&table, &key).map_err(other)))
    }

    fn set(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        let table = self.table_of(&bucket)?;
        Ok(self
            .kv_store()
            .and_then(|s| s.set(&table, &key, &value).map_err(other)))
    }

    fn delete(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        let table = self.table_of(&bucket)?;
        Ok(self
            .kv_store()
            .and_then(|s| s.delete(&table, &key).map_err(other)))
    }

    fn exists(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<bool, store::Error>> {
        let table = self.table_of(&bucket)?;
        Ok(self
            .kv_store()
            .and_then(|s| s.exists(&table, &key).map_err(other)))
    }

    fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<u64>,
    ) -> wasmtime::Result<Result<store::KeyResponse, store::Error>> {
        let table = self.table_of(&bucket)?;
        Ok(self
            .kv_store()
            .and_then(|s| s.list(&table, cursor).map_err(other))
            .map(|(keys, cursor)| store::KeyResponse { keys, cursor }))
    }

    fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for HostState {
    fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: u64,
    ) -> wasmtime::Result<Result<u64, store::Error>> {
        let table = self.table_of(&bucket)?;
        Ok(self
            .kv_store()
            .and_then(|s| s.increment(&table, &key, delta).map_err(other)))
    }
}

impl batch::Host for HostState {
    fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<Option<(String, Vec<u8>)>>, store::Error>> {
        let table = self.table_of(&bucket)?;
        Ok(self
            .kv_store()
            .and_then(|s| s.get_many(&table, &keys).map_err(other))
            .map(|values| {
                keys.into_iter()
                    .zip(values)
                    .map(|(k, v)| v.map(|v| (k, v)))
                    .collect()
            }))
    }

    fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        let table = self.table_of(&bucket)?;
        Ok(self
            .kv_store()
            .and_then(|s| s.set_many(&table, &key_values).map_err(other)))
    }

    fn delete_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        let table = self.table_of(&bucket)?;
        Ok(self
            .kv_store()
            .and_then(|s| s.delete_many(&table, &keys).map_err(other)))
    }
}
