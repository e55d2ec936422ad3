//! A loop:fx UI component: it describes its view for the current state (`render`) and reacts to
//! events (`handle`); the host diffs the views and updates whatever renders them (a headless
//! tree, or the DOM).

use loop_sdk::fx::{self, Component, Event, View, button, div, h1, span};

#[derive(Default)]
struct Counter {
    count: i64,
}

impl Component for Counter {
    fn render(&mut self, _props: &str) -> View {
        div()
            .class("counter")
            .child(h1().text(env!("CARGO_PKG_NAME")))
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
        // Ask the host to render this component again.
        fx::invalidate();
    }
}

loop_sdk::fx_component!(Counter);
