//! An HTTP component: it exports `wasi:http/incoming-handler`, and `loop serve` builds it and
//! answers each request with a fresh instance of it.

use wstd::http::{Body, Error, Request, Response, StatusCode};

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    let path = request.uri().path();
    loop_sdk::log::info(format!("{} {path}", request.method()));
    let (status, body) = match path {
        "/" => (
            StatusCode::OK,
            format!(
                "Hello from {}, a Rust HTTP component!\n",
                env!("CARGO_PKG_NAME")
            ),
        ),
        _ => (StatusCode::NOT_FOUND, format!("no page at {path}\n")),
    };
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    Ok(response)
}
