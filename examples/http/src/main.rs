//! The http example: `GET /` calls the upstream named by the config value `upstream` and relays
//! its answer; `GET /forbidden` calls the URL in `forbidden`, a host the manifest does not
//! allow, and reports the denial as 502.

use wstd::http::{Body, Client, Error, Request, Response, StatusCode};

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    let key = match request.uri().path() {
        "/" => "upstream",
        "/forbidden" => "forbidden",
        "/health" => return Ok(Response::new("ok\n".into())),
        _ => return Ok(text(StatusCode::NOT_FOUND, "no such page\n".into())),
    };
    let Some(url) = loop_sdk::config::get(key) else {
        return Ok(text(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("config value `{key}` is not set\n"),
        ));
    };
    match fetch(&url).await {
        Ok(body) => Ok(Response::new(format!("upstream said: {body}").into())),
        Err(e) => Ok(text(
            StatusCode::BAD_GATEWAY,
            format!("request to {url} failed: {e}\n"),
        )),
    }
}

async fn fetch(url: &str) -> Result<String, Error> {
    let request = Request::get(url).body(Body::empty())?;
    let response = Client::new().send(request).await?;
    let mut body = response.into_body();
    Ok(body.str_contents().await?.to_string())
}

fn text(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
}
