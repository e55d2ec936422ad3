//! Answers every request `200` with a fixed 21-byte body (`content-type: text/plain`), reading
//! nothing of the request: the least a wasi:http handler can do, so that a serve benchmark
//! measures the server around it.

use wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

wasi::http::proxy::export!(Hello);

const BODY: &[u8] = b"hello from wasi:http\n";

struct Hello;

impl wasi::exports::http::incoming_handler::Guest for Hello {
    fn handle(_request: IncomingRequest, response_out: ResponseOutparam) {
        let headers = Fields::from_list(&[
            ("content-type".to_string(), b"text/plain".to_vec()),
            (
                "content-length".to_string(),
                BODY.len().to_string().into_bytes(),
            ),
        ])
        .expect("valid headers");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("the body is taken once");
        ResponseOutparam::set(response_out, Ok(response));
        // A client that hangs up mid-response (wrk at the end of a run) closes the stream: not an
        // error worth a trap and a log line.
        let out = body.write().expect("the stream is taken once");
        let _ = out.blocking_write_and_flush(BODY);
        drop(out);
        let _ = OutgoingBody::finish(body, None);
    }
}
