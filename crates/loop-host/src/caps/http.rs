//! Outgoing HTTP (`wasi:http/outgoing-handler` and `wasi:http/types`), checked against the
//! policy's host allow-list on every request.

use wasmtime::component::Linker;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

use super::Capability;
use crate::error::HostError;
use crate::log::Logger;
use crate::state::{HostState, StateBuilder};

/// The outgoing-HTTP capability.
pub struct Http;

impl Capability for Http {
    fn name(&self) -> &'static str {
        "outgoing HTTP"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["wasi:http/types", "wasi:http/outgoing-handler"]
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)
    }

    fn grant(&self, interface: &str, policy: &crate::policy::Policy) -> super::Grant {
        if interface == "wasi:http/types" {
            return super::Grant::granted("baseline: types only");
        }
        if policy.hosts.is_empty() {
            super::Grant::denied("no hosts granted (grants.hosts)")
        } else {
            super::Grant::granted(format!("hosts: {}", policy.hosts.join(", ")))
        }
    }

    fn configure(&self, state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        state.http_hooks.allowed_hosts = state.policy.hosts.clone();
        Ok(())
    }
}

/// Per-instance policy for outgoing requests.
pub struct HttpHooks {
    component: String,
    logger: Logger,
    /// Allowed `host[:port]` authorities; empty denies everything.
    pub allowed_hosts: Vec<String>,
}

impl HttpHooks {
    /// Hooks that deny every request, logging each denial.
    pub fn deny_all(component: &str, logger: Logger) -> Self {
        HttpHooks {
            component: component.to_string(),
            logger,
            allowed_hosts: Vec::new(),
        }
    }

    /// Whether a request to `authority` (`host` or `host:port`) is allowed.
    pub fn allows(&self, authority: &str) -> bool {
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        self.allowed_hosts
            .iter()
            .any(|a| a == authority || a == host || a == "*")
    }
}

type ResponseFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for HttpHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> ResponseFuture {
        let authority = request
            .uri()
            .authority()
            .map(|a| a.as_str().to_string())
            .unwrap_or_default();
        if !self.allows(&authority) {
            self.logger.denied(
                &self.component,
                "outgoing HTTP",
                &format!("request to {authority}"),
                &format!(
                    "hosts = [\"{authority}\"] under [components.{}.grants]",
                    self.component
                ),
            );
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        drop(fut);
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matching() {
        let mut hooks = HttpHooks::deny_all("t", Logger::default());
        assert!(!hooks.allows("example.com"));
        hooks.allowed_hosts = vec!["127.0.0.1:8080".into(), "example.com".into()];
        assert!(hooks.allows("127.0.0.1:8080"));
        assert!(!hooks.allows("127.0.0.1:9090"));
        assert!(hooks.allows("example.com:443"));
        assert!(!hooks.allows("evil.example.com"));
    }
}
