//! The todo list: owns the items, renders one keyed `todo-item` child per item, and reacts to
//! what the children emit (`toggle`, `remove`).

use loop_sdk::fx::{self, Component, Event, View, button, component, div, h1, input, span, ul};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Clone)]
struct Item {
    id: u32,
    text: String,
    done: bool,
}

#[derive(Default)]
struct Todo {
    items: Vec<Item>,
    draft: String,
    next_id: u32,
}

#[derive(Deserialize)]
struct Input {
    value: String,
}

#[derive(Deserialize)]
struct Target {
    id: u32,
}

impl Component for Todo {
    fn render(&mut self, _props: &str) -> View {
        let left = self.items.iter().filter(|i| !i.done).count();
        div()
            .class("todo")
            .child(h1().text("Todo"))
            .child(
                input()
                    .attr("id", "draft")
                    .attr("value", self.draft.clone())
                    .on("input", "draft"),
            )
            .child(button().attr("id", "add").on("click", "add").text("Add"))
            .child(
                button()
                    .attr("id", "reverse")
                    .on("click", "reverse")
                    .text("Reverse"),
            )
            .child(
                button()
                    .attr("id", "clear")
                    .on("click", "clear-done")
                    .text("Clear done"),
            )
            .child(
                ul().attr("id", "items")
                    .children(self.items.iter().map(|item| {
                        let props = serde_json::to_string(item).unwrap_or_default();
                        component("todo-item", props)
                            .key(item.id.to_string())
                            .on("toggle", "toggle")
                            .on("remove", "remove")
                    })),
            )
            .child(span().attr("id", "left").text(format!("{left} left")))
            .into()
    }

    fn handle(&mut self, event: &Event) {
        match event.handler.as_str() {
            "draft" => match serde_json::from_str::<Input>(&event.payload) {
                Ok(input) => self.draft = input.value,
                Err(_) => return,
            },
            "add" => {
                let text = self.draft.trim().to_string();
                if text.is_empty() {
                    return;
                }
                self.next_id += 1;
                self.items.push(Item {
                    id: self.next_id,
                    text,
                    done: false,
                });
                self.draft.clear();
            }
            "toggle" => {
                let Ok(t) = serde_json::from_str::<Target>(&event.payload) else {
                    return;
                };
                if let Some(item) = self.items.iter_mut().find(|i| i.id == t.id) {
                    item.done = !item.done;
                }
            }
            "remove" => {
                let Ok(t) = serde_json::from_str::<Target>(&event.payload) else {
                    return;
                };
                self.items.retain(|i| i.id != t.id);
            }
            "reverse" => self.items.reverse(),
            "clear-done" => self.items.retain(|i| !i.done),
            _ => return,
        }
        fx::invalidate();
    }
}

loop_sdk::fx_component!(Todo);
