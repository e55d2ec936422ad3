//! The hello example: prints its arguments and the GREETING variable, logs one line.

use loop_sdk::log;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("hello from a Rust component! args: [{}]", args.join(", "));
    match std::env::var("GREETING") {
        Ok(greeting) => println!("GREETING is {greeting:?}"),
        Err(_) => println!("GREETING is not set"),
    }
    log::info(format!("greeted with {} argument(s)", args.len()));
}
