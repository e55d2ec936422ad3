//! The page's UI: a loop:fx component (`render` describes the view, `handle` reacts to events)
//! that asks the page's own capability, the greeter of ../wit/greeter.wit, for its greetings.
//! `npm run build` in the folder above builds it, transpiles it for the browser and packs the page.

mod bindings {
    wit_bindgen::generate!({ path: "../wit", world: "guest" });
}

use bindings::myapp::greeter::greeter;
use loop_sdk::fx::{self, Component, Event, View, button, div, h1, input, p};
use serde::Deserialize;

struct Greeting {
    name: String,
    greeting: String,
}

impl Default for Greeting {
    fn default() -> Self {
        Greeting {
            name: "world".to_string(),
            greeting: "Nobody has been greeted yet.".to_string(),
        }
    }
}

#[derive(Deserialize)]
struct Input {
    value: String,
}

impl Component for Greeting {
    fn render(&mut self, _props: &str) -> View {
        div()
            .class("greeter")
            .child(h1().text("{{name}}"))
            .child(
                input()
                    .attr("id", "name")
                    .attr("value", self.name.clone())
                    .on("input", "name"),
            )
            .child(
                button()
                    .attr("id", "greet")
                    .on("click", "greet")
                    .text("Greet"),
            )
            .child(p().attr("id", "greeting").text(self.greeting.clone()))
            .child(
                p().attr("id", "count")
                    .text(format!("the page counted {} greeting(s)", greeter::count())),
            )
            .into()
    }

    fn handle(&mut self, event: &Event) {
        match event.handler.as_str() {
            "name" => match serde_json::from_str::<Input>(&event.payload) {
                Ok(input) => self.name = input.value,
                Err(_) => return,
            },
            // The page's greeter words it (src/greeter.ts).
            "greet" => self.greeting = greeter::greet(self.name.trim()),
            _ => return,
        }
        fx::invalidate();
    }
}

loop_sdk::fx_component!(Greeting);
