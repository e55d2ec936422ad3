//! The process example (trusted): lists a host directory by spawning `ls`.

use std::process::ExitCode;

use loop_sdk::process::Command;

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_string());
    match Command::new("ls").arg("-1").arg(&dir).output() {
        Ok(out) => {
            print!("{}", String::from_utf8_lossy(&out.stdout));
            eprint!("{}", String::from_utf8_lossy(&out.stderr));
            println!(
                "(ls exited with {})",
                out.status.code.map_or("a signal".into(), |c| c.to_string())
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("process: cannot list {dir}: {e}");
            ExitCode::FAILURE
        }
    }
}
