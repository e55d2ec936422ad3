//! The benchmark's small Rust component: examples/hello minus its log line.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("hello from a Rust component! args: [{}]", args.join(", "));
    match std::env::var("GREETING") {
        Ok(greeting) => println!("GREETING is {greeting:?}"),
        Err(_) => println!("GREETING is not set"),
    }
}
