//! The counter example: one fx component with state and click handlers.

use loop_sdk::fx::{self, Component, Event, View, button, div, h1, span};

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

loop_sdk::fx_component!(Counter);
