//! The counter example: one fx component with state and click handlers. It keeps its count
//! across hot reloads under `loop dev` (`Reload`, exported by `fx_component!(Counter, reload)`).

use loop_sdk::fx::{self, Component, Event, View, button, div, h1, span};
use loop_sdk::lifecycle::Reload;

#[derive(Default)]
struct Counter {
    count: i64,
}

impl Component for Counter {
    fn render(&mut self, _props: &str) -> View {
        div()
            .class("counter")
            .child(h1().text("Counter"))
            .child(button().attr("id", "dec").on("click", "dec").text("-"))
            .child(span().attr("id", "count").text(self.count.to_string()))
            .child(button().attr("id", "inc").on("click", "inc").text("+"))
            .into()
    }

    fn handle(&mut self, event: &Event) {
        match event.handler.as_str() {
            "inc" => self.count += 1,
            "dec" => self.count -= 1,
            _ => return,
        }
        fx::invalidate();
    }
}

impl Reload for Counter {
    fn snapshot(&self) -> Vec<u8> {
        self.count.to_le_bytes().to_vec()
    }

    fn restore(&mut self, bytes: &[u8]) -> Result<(), String> {
        let bytes: [u8; 8] = bytes
            .try_into()
            .map_err(|_| format!("not a counter snapshot ({} bytes, expected 8)", bytes.len()))?;
        self.count = i64::from_le_bytes(bytes);
        Ok(())
    }
}

loop_sdk::fx_component!(Counter, reload);
