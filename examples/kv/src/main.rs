//! The kv example: a counter that survives restarts, plus get/set/list/fill commands.
//!
//! `loop run` (in this folder) counts; `loop run -- set KEY VALUE`, `get KEY`, `list`, and
//! `fill N` (writes N keys, printing `ack I` after each durable write) work on bucket `default`.

use std::process::ExitCode;

use loop_sdk::kv::{Bucket, Error};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kv: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), Error> {
    let bucket = Bucket::open("default")?;
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    match arg(0) {
        "" | "count" => println!("this app has run {} time(s)", bucket.increment("runs", 1)?),
        "get" => match bucket.get_string(arg(1))? {
            Some(value) => println!("{value}"),
            None => println!("(not set)"),
        },
        "set" => {
            bucket.set(arg(1), arg(2))?;
            println!("set {}", arg(1));
        }
        "list" => println!("{}", bucket.keys()?.join("\n")),
        "fill" => {
            let n: u64 = arg(1).parse().unwrap_or(100);
            for i in 0..n {
                bucket.set(&format!("key-{i:06}"), format!("value-{i}"))?;
                println!("ack {i}");
            }
        }
        other => eprintln!("kv: unknown command `{other}`; use count, get, set, list or fill"),
    }
    Ok(())
}
