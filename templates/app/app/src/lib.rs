//! The main component: it owns the counts, renders one `counter` child per count (the
//! TypeScript component of ../counter, named in ../loop.toml), and reacts to what the children
//! emit. Props go down to the children; their `changed` events come back up to `handle`.

use loop_sdk::fx::{self, Component, Event, View, component, div, h1, p};
use serde::{Deserialize, Serialize};

/// The app's title.
const TITLE: &str = "{{name}}";

/// What each counter child renders (its props, as JSON).
#[derive(Serialize)]
struct CounterProps<'a> {
    label: &'a str,
    count: i64,
}

/// What a counter child emits when clicked (the payload of `changed`).
#[derive(Deserialize)]
struct Changed {
    label: String,
    delta: i64,
}

struct App {
    counts: Vec<(String, i64)>,
}

impl Default for App {
    fn default() -> Self {
        App {
            counts: vec![("apples".into(), 0), ("pears".into(), 0)],
        }
    }
}

impl Component for App {
    fn render(&mut self, _props: &str) -> View {
        let total: i64 = self.counts.iter().map(|(_, n)| n).sum();
        div()
            .class("app")
            .child(h1().text(TITLE))
            .children(self.counts.iter().map(|(label, count)| {
                let props = CounterProps {
                    label,
                    count: *count,
                };
                component("counter", serde_json::to_string(&props).unwrap_or_default())
                    .key(label.clone())
                    .on("changed", "changed")
            }))
            .child(p().attr("id", "total").text(format!("total: {total}")))
            .into()
    }

    fn handle(&mut self, event: &Event) {
        if event.handler != "changed" {
            return;
        }
        let Ok(changed) = serde_json::from_str::<Changed>(&event.payload) else {
            return;
        };
        if let Some((_, count)) = self.counts.iter_mut().find(|(l, _)| *l == changed.label) {
            *count += changed.delta;
            fx::invalidate();
        }
    }
}

loop_sdk::fx_component!(App);
