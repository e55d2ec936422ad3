//! Per-store resource limits with typed errors, so a memory bomb is reported as such.

use wasmtime::ResourceLimiter;

/// The error a guest gets (as a trap) when it grows memory past its limit.
#[derive(Debug, thiserror::Error)]
#[error("memory limit exceeded: wanted {desired} bytes, limit is {limit} bytes")]
pub struct MemoryLimitExceeded {
    /// The size the guest asked for, in bytes.
    pub desired: usize,
    /// The configured limit, in bytes.
    pub limit: usize,
}

/// Limits applied to one store: linear memory size and instance count.
#[derive(Debug, Clone, Default)]
pub struct Limiter {
    /// Maximum size of any one linear memory, in bytes.
    pub max_memory: Option<usize>,
    /// Maximum number of core instances (a component counts its inner modules).
    pub max_instances: Option<usize>,
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if let Some(limit) = self.max_memory
            && desired > limit
        {
            // Trap rather than returning -1 from memory.grow: most guests abort on a failed
            // allocation anyway, and this way the user learns which limit was hit.
            return Err(MemoryLimitExceeded { desired, limit }.into());
        }
        Ok(maximum.is_none_or(|max| desired <= max))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(maximum.is_none_or(|max| desired <= max))
    }

    fn instances(&self) -> usize {
        self.max_instances.unwrap_or(10_000)
    }

    fn memories(&self) -> usize {
        10_000
    }

    fn tables(&self) -> usize {
        10_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::{Engine, Instance, Module, Store};

    fn store(limit: Option<usize>) -> (Engine, Store<Limiter>) {
        let engine = Engine::default();
        let mut store = Store::new(
            &engine,
            Limiter {
                max_memory: limit,
                max_instances: None,
            },
        );
        store.limiter(|l| l);
        (engine, store)
    }

    #[test]
    fn memory_growth_past_the_limit_traps_with_a_typed_error() {
        let (engine, mut store) = store(Some(2 * 65536));
        let wat = r#"(module (memory (export "m") 1)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let grow = instance
            .get_typed_func::<i32, i32>(&mut store, "grow")
            .unwrap();
        assert_eq!(
            grow.call(&mut store, 1).unwrap(),
            1,
            "growing to the limit is allowed"
        );
        let err = grow.call(&mut store, 1).unwrap_err();
        let exceeded = err
            .downcast_ref::<MemoryLimitExceeded>()
            .expect("typed limit error");
        assert_eq!(exceeded.desired, 3 * 65536);
        assert_eq!(exceeded.limit, 2 * 65536);
    }

    #[test]
    fn initial_memory_above_the_limit_fails_instantiation() {
        let (engine, mut store) = store(Some(65536));
        let module = Module::new(&engine, wat::parse_str("(module (memory 4))").unwrap()).unwrap();
        let err = Instance::new(&mut store, &module, &[]).unwrap_err();
        assert!(
            err.downcast_ref::<MemoryLimitExceeded>().is_some(),
            "{err:?}"
        );
    }

    #[test]
    fn no_limit_allows_growth_up_to_the_declared_maximum() {
        let (engine, mut store) = store(None);
        let wat = r#"(module (memory 1 3)
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
        let module = Module::new(&engine, wat::parse_str(wat).unwrap()).unwrap();
        let instance = Instance::new(&mut store, &module, &[]).unwrap();
        let grow = instance
            .get_typed_func::<i32, i32>(&mut store, "grow")
            .unwrap();
        assert_eq!(grow.call(&mut store, 2).unwrap(), 1);
        assert_eq!(
            grow.call(&mut store, 1).unwrap(),
            -1,
            "past the declared maximum fails softly"
        );
    }
}
