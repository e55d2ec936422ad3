//! Shared by both guests: run one kind of call N times, REPS times over, timing each repetition
//! with the monotonic clock, and print one JSON line.

use std::time::Instant;

/// The command line: `MODE N REPS`.
pub fn args() -> (String, u64, u32) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        eprintln!("usage: MODE N REPS");
        std::process::exit(2)
    };
    if args.len() != 3 {
        usage();
    }
    let n = args[1].parse().unwrap_or_else(|_| usage());
    let reps = args[2].parse().unwrap_or_else(|_| usage());
    (args[0].clone(), n, reps)
}

/// Times `reps` repetitions of `call` run `n` times (the loop counter is passed in), and prints
/// `{"mode","n","ns":[...]}` with each repetition's nanoseconds.
pub fn time(mode: &str, n: u64, reps: u32, mut call: impl FnMut(u64)) {
    let mut ns = Vec::with_capacity(reps as usize);
    for _ in 0..reps {
        let start = Instant::now();
        for i in 0..n {
            call(i);
        }
        ns.push(start.elapsed().as_nanos().to_string());
    }
    println!(r#"{{"mode":"{mode}","n":{n},"ns":[{}]}}"#, ns.join(","));
}
