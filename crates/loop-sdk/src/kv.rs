//! Key-value storage through `wasi:keyvalue`: durable, one namespace per component and bucket.
//! A bucket must be granted in `loop.toml` (`grants.kv = ["name"]`).
//!
//! ```ignore
//! let counter = loop_sdk::kv::Bucket::open("default")?;
//! let n = counter.increment("visits", 1)?;
//! ```

use crate::bindings::wasi::keyvalue::{atomics, batch, store};

keep_bindings_section!();

/// Why a key-value call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The store does not exist.
    NoSuchStore,
    /// The bucket is not granted to this component (`grants.kv` in `loop.toml`).
    AccessDenied,
    /// Anything else, as the host describes it.
    Other(String),
}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::NoSuchStore => Error::NoSuchStore,
            store::Error::AccessDenied => Error::AccessDenied,
            store::Error::Other(m) => Error::Other(m),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NoSuchStore => write!(f, "no such store"),
            Error::AccessDenied => write!(
                f,
                "access denied: the bucket is not granted to this component in loop.toml"
            ),
            Error::Other(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

/// A key and its value.
pub type Entry = (String, Vec<u8>);

/// An open bucket.
pub struct Bucket(store::Bucket);

impl Bucket {
    /// Opens a granted bucket; `Error::AccessDenied` if the manifest does not grant it.
    pub fn open(name: &str) -> Result<Self, Error> {
        Ok(Bucket(store::open(name)?))
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.0.get(key)?)
    }

    /// The value of `key` as UTF-8 text, if set.
    pub fn get_string(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self
            .get(key)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Sets `key`; durable once this returns.
    pub fn set(&self, key: &str, value: impl AsRef<[u8]>) -> Result<(), Error> {
        Ok(self.0.set(key, value.as_ref())?)
    }

    /// Removes `key`.
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        Ok(self.0.delete(key)?)
    }

    /// Whether `key` is set.
    pub fn exists(&self, key: &str) -> Result<bool, Error> {
        Ok(self.0.exists(key)?)
    }

    /// Every key, in order (follows the store's cursor).
    pub fn keys(&self) -> Result<Vec<String>, Error> {
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.0.list_keys(cursor)?;
            all.extend(page.keys);
            match page.cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// Atomically adds `delta` to the number stored at `key` (absent is 0); returns the new value.
    pub fn increment(&self, key: &str, delta: u64) -> Result<u64, Error> {
        Ok(atomics::increment(&self.0, key, delta)?)
    }

    /// Values of several keys in one call.
    pub fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Entry>>, Error> {
        Ok(batch::get_many(&self.0, keys)?)
    }

    /// Sets several keys in one transaction.
    pub fn set_many(&self, entries: &[(String, Vec<u8>)]) -> Result<(), Error> {
        Ok(batch::set_many(&self.0, entries)?)
    }
}
