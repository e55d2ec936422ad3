//! One todo item: renders its props and yields `toggle` / `remove` to the parent list.

use loop_sdk::fx::{self, Component, Event, View, button, li, span};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct Props {
    id: u32,
    text: String,
    done: bool,
}

#[derive(Default)]
struct Item {
    id: u32,
}

impl Component for Item {
    fn render(&mut self, props: &str) -> View {
        let p: Props = serde_json::from_str(props).unwrap_or_default();
        // Remembered so the handlers can tell the parent which item this is.
        self.id = p.id;
        li().class(if p.done { "item done" } else { "item" })
            .attr("data-id", p.id.to_string())
            .child(
                button()
                    .class("toggle")
                    .on("click", "toggle")
                    .text(if p.done { "[x]" } else { "[ ]" }),
            )
            .child(span().class("text").text(p.text))
            .child(button().class("remove").on("click", "remove").text("x"))
            .into()
    }

    fn handle(&mut self, event: &Event) {
        let name = match event.handler.as_str() {
            "toggle" => "toggle",
            "remove" => "remove",
            _ => return,
        };
        fx::emit(name, &format!("{{\"id\":{}}}", self.id));
    }
}

loop_sdk::fx_component!(Item);
