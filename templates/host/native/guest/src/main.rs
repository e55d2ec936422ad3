//! A guest of the host in the folder above: a plain WASI command that imports the host's own
//! greeter interface. `loop component build guest` builds it; `cargo run --release` in the
//! folder above runs it.

mod bindings {
    wit_bindgen::generate!({ path: "../wit", world: "guest" });
}

use bindings::myapp::greeter::greeter;

fn main() {
    let who = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "world".to_string());
    println!("{}", greeter::greet(&who));
    println!("{}", greeter::greet("again"));
    println!("the host counted {} greeting(s)", greeter::count());
}
