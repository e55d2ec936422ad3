//! The embedded durable key-value store behind `wasi:keyvalue`: one redb file per data
//! directory, one table per component and bucket. Every write is one committed transaction with
//! immediate durability, so an acknowledged write survives a crash.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableError};

/// A store failure, as text the guest and the log can show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KvError(pub String);

fn err(context: &str, e: impl std::fmt::Display) -> KvError {
    KvError(format!("{context}: {e}"))
}

/// Keys returned per `list-keys` page.
pub const PAGE: usize = 1000;

/// One durable store file, shared by every instance in this process that uses it.
pub struct KvStore {
    db: Database,
    path: PathBuf,
}

fn open_stores() -> &'static Mutex<HashMap<PathBuf, Arc<KvStore>>> {
    static STORES: OnceLock<Mutex<HashMap<PathBuf, Arc<KvStore>>>> = OnceLock::new();
    STORES.get_or_init(Default::default)
}

impl KvStore {
    /// Opens (creating if needed) `<data_dir>/kv.redb`, reusing this process's open handle.
    pub fn open(data_dir: &Path) -> Result<Arc<KvStore>, KvError> {
        let path = data_dir.join("kv.redb");
        let mut stores = open_stores().lock().unwrap_or_else(|p| p.into_inner());
        if let Some(store) = stores.get(&path) {
            return Ok(store.clone());
        }
        std::fs::create_dir_all(data_dir).map_err(|e| {
            err(
                &format!("cannot create the data directory {}", data_dir.display()),
                e,
            )
        })?;
        let db = Database::create(&path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => KvError(format!(
                "the key-value store {} is in use by another loop-host process",
                path.display()
            )),
            other => err(
                &format!("cannot open the key-value store {}", path.display()),
                other,
            ),
        })?;
        let store = Arc::new(KvStore {
            db,
            path: path.clone(),
        });
        stores.insert(path, store.clone());
        Ok(store)
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read<T>(
        &self,
        table: &str,
        f: impl FnOnce(Option<&redb::ReadOnlyTable<&str, &[u8]>>) -> Result<T, redb::StorageError>,
    ) -> Result<T, KvError> {
        let txn = self.db.begin_read().map_err(|e| err("read", e))?;
        match txn.open_table(TableDefinition::<&str, &[u8]>::new(table)) {
            Ok(t) => f(Some(&t)).map_err(|e| err("read", e)),
            Err(TableError::TableDoesNotExist(_)) => f(None).map_err(|e| err("read", e)),
            Err(e) => Err(err("read", e)),
        }
    }

    fn write<T>(
        &self,
        table: &str,
        f: impl FnOnce(&mut redb::Table<&str, &[u8]>) -> Result<T, KvError>,
    ) -> Result<T, KvError> {
        let txn = self.db.begin_write().map_err(|e| err("write", e))?;
        let result = {
            let mut t = txn
                .open_table(TableDefinition::<&str, &[u8]>::new(table))
                .map_err(|e| err("write", e))?;
            f(&mut t)?
        };
        txn.commit().map_err(|e| err("commit", e))?;
        Ok(result)
    }

    /// The value of `key`, if set.
    pub fn get(&self, table: &str, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        self.read(table, |t| match t {
            Some(t) => Ok(t.get(key)?.map(|v| v.value().to_vec())),
            None => Ok(None),
        })
    }

    /// Sets `key`; durable when this returns.
    pub fn set(&self, table: &str, key: &str, value: &[u8]) -> Result<(), KvError> {
        self.write(table, |t| {
            t.insert(key, value)
                .map(|_| ())
                .map_err(|e| err("write", e))
        })
    }

    /// Removes `key` (no error when absent).
    pub fn delete(&self, table: &str, key: &str) -> Result<(), KvError> {
        self.write(table, |t| {
            t.remove(key).map(|_| ()).map_err(|e| err("write", e))
        })
    }

    /// Whether `key` is set.
    pub fn exists(&self, table: &str, key: &str) -> Result<bool, KvError> {
        Ok(self.get(table, key)?.is_some())
    }

    /// One page of keys in order, from `cursor` (an offset); the next cursor if there are more.
    pub fn list(
        &self,
        table: &str,
        cursor: Option<u64>,
    ) -> Result<(Vec<String>, Option<u64>), KvError> {
        let skip = cursor.unwrap_or(0) as usize;
        self.read(table, |t| {
            let Some(t) = t else {
                return Ok((Vec::new(), None));
            };
            let mut keys = Vec::new();
            for entry in t.iter()?.skip(skip).take(PAGE + 1) {
                keys.push(entry?.0.value().to_string());
            }
            let more = keys.len() > PAGE;
            keys.truncate(PAGE);
            Ok((keys, more.then_some((skip + PAGE) as u64)))
        })
    }

    /// Adds `delta` to the decimal number stored at `key` (absent counts as 0), atomically.
    pub fn increment(&self, table: &str, key: &str, delta: u64) -> Result<u64, KvError> {
        self.write(table, |t| {
            let current = match t.get(key).map_err(|e| err("read", e))? {
                Some(v) => std::str::from_utf8(v.value())
                    .ok()
                    .and_then(|s| s.trim().parse::<u64>().ok())
                    .ok_or_else(|| {
                        KvError(format!("the value of `{key}` is not a decimal number"))
                    })?,
                None => 0,
            };
            let next = current
                .checked_add(delta)
                .ok_or_else(|| KvError(format!("incrementing `{key}` overflows u64")))?;
            t.insert(key, next.to_string().as_bytes())
                .map_err(|e| err("write", e))?;
            Ok(next)
        })
    }

    /// Values of several keys, in order.
    pub fn get_many(&self, table: &str, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, KvError> {
        self.read(table, |t| {
            keys.iter()
                .map(|k| match t {
                    Some(t) => Ok(t.get(k.as_str())?.map(|v| v.value().to_vec())),
                    None => Ok(None),
                })
                .collect()
        })
    }

    /// Sets several keys in one transaction.
    pub fn set_many(&self, table: &str, entries: &[(String, Vec<u8>)]) -> Result<(), KvError> {
        self.write(table, |t| {
            for (k, v) in entries {
                t.insert(k.as_str(), v.as_slice())
                    .map_err(|e| err("write", e))?;
            }
            Ok(())
        })
    }

    /// Deletes several keys in one transaction.
    pub fn delete_many(&self, table: &str, keys: &[String]) -> Result<(), KvError> {
        self.write(table, |t| {
            for k in keys {
                t.remove(k.as_str()).map_err(|e| err("write", e))?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_delete_list_increment() {
        let dir = tempfile::tempdir().unwrap();
        let kv = KvStore::open(dir.path()).unwrap();
        assert_eq!(kv.get("c/b", "missing").unwrap(), None);
        kv.set("c/b", "a", b"1").unwrap();
        kv.set("c/b", "b", b"2").unwrap();
        assert_eq!(kv.get("c/b", "a").unwrap().as_deref(), Some(&b"1"[..]));
        assert!(kv.exists("c/b", "b").unwrap());
        assert_eq!(
            kv.get("other/b", "a").unwrap(),
            None,
            "tables are separate namespaces"
        );
        assert_eq!(kv.increment("c/b", "a", 41).unwrap(), 42);
        assert_eq!(kv.increment("c/b", "fresh", 1).unwrap(), 1);
        kv.set("c/b", "text", b"abc").unwrap();
        assert!(
            kv.increment("c/b", "text", 1)
                .unwrap_err()
                .0
                .contains("not a decimal")
        );
        kv.delete("c/b", "b").unwrap();
        let (keys, cursor) = kv.list("c/b", None).unwrap();
        assert_eq!(keys, vec!["a", "fresh", "text"]);
        assert_eq!(cursor, None);
        kv.set_many(
            "c/b",
            &[("x".into(), b"1".to_vec()), ("y".into(), b"2".to_vec())],
        )
        .unwrap();
        let got = kv.get_many("c/b", &["y".into(), "nope".into()]).unwrap();
        assert_eq!(got, vec![Some(b"2".to_vec()), None]);
        kv.delete_many("c/b", &["x".into(), "y".into()]).unwrap();
        assert_eq!(kv.get("c/b", "x").unwrap(), None);
    }

    #[test]
    fn list_pages_through_many_keys() {
        let dir = tempfile::tempdir().unwrap();
        let kv = KvStore::open(dir.path()).unwrap();
        let entries: Vec<(String, Vec<u8>)> =
            (0..2500).map(|i| (format!("k{i:05}"), vec![1])).collect();
        kv.set_many("t", &entries).unwrap();
        let mut all = Vec::new();
        let mut cursor = None;
        loop {
            let (keys, next) = kv.list("t", cursor).unwrap();
            all.extend(keys);
            match next {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(all.len(), 2500);
        assert_eq!(all[2499], "k02499");
    }

    #[test]
    fn the_same_directory_shares_one_handle() {
        let dir = tempfile::tempdir().unwrap();
        let a = KvStore::open(dir.path()).unwrap();
        let b = KvStore::open(dir.path()).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
    }
}
