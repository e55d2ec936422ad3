//! The js-framework-benchmark row table as a `loop:fx` component: the same data model as
//! `benches/fx/rows-model.ts` (seeded mulberry32 labels, so the HTML matches the JS drivers
//! byte for byte) and the same view as `benches/fx/driver-fx.ts`.
//!
//! The bench driver (`benches/fx/driver-wasm.ts`) sends each operation as
//! `handle({handler: "op", payload: <RowsOp JSON>})`; the rows' links route `select:ID` and
//! `remove:ID` clicks like the JS component's.

use loop_sdk::fx::{self, Component, Event, View, a, el, span, table, tbody, td, tr};
use serde::Deserialize;

const ADJECTIVES: [&str; 25] = [
    "pretty",
    "large",
    "big",
    "small",
    "tall",
    "short",
    "long",
    "handsome",
    "plain",
    "quaint",
    "clean",
    "elegant",
    "easy",
    "angry",
    "crazy",
    "helpful",
    "mushy",
    "odd",
    "unsightly",
    "adorable",
    "important",
    "inexpensive",
    "cheap",
    "expensive",
    "fancy",
];
const COLOURS: [&str; 11] = [
    "red", "yellow", "blue", "green", "pink", "brown", "purple", "brown", "white", "black",
    "orange",
];
const NOUNS: [&str; 13] = [
    "table", "chair", "house", "bbq", "desk", "car", "pony", "cookie", "sandwich", "burger",
    "pizza", "mouse", "keyboard",
];

/// One operation of the benchmark (`RowsOp` in rows-model.ts).
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Op {
    Run { n: usize },
    Add { n: usize },
    Update { every: usize },
    Select { index: usize },
    Swap { a: usize, b: usize },
    Remove { index: usize },
    Clear,
}

struct Row {
    id: u32,
    label: String,
}

struct Rows {
    rows: Vec<Row>,
    selected: u32,
    next_id: u32,
    seed: u32,
}

impl Default for Rows {
    fn default() -> Self {
        Rows {
            rows: Vec::new(),
            selected: 0,
            next_id: 1,
            seed: 42,
        }
    }
}

impl Rows {
    /// mulberry32, exactly as rows-model.ts computes it with 32-bit integer maths.
    fn random(&mut self, n: usize) -> usize {
        self.seed = self.seed.wrapping_add(0x6d2b_79f5);
        let mut t = self.seed;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        ((t ^ (t >> 14)) as usize) % n
    }

    fn build(&mut self, n: usize) -> Vec<Row> {
        (0..n)
            .map(|_| {
                let adjective = ADJECTIVES[self.random(ADJECTIVES.len())];
                let colour = COLOURS[self.random(COLOURS.len())];
                let noun = NOUNS[self.random(NOUNS.len())];
                let id = self.next_id;
                self.next_id += 1;
                Row {
                    id,
                    label: format!("{adjective} {colour} {noun}"),
                }
            })
            .collect()
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Run { n } => {
                self.rows = self.build(n);
                self.selected = 0;
            }
            Op::Add { n } => {
                let more = self.build(n);
                self.rows.extend(more);
            }
            Op::Update { every } => {
                for row in self.rows.iter_mut().step_by(every.max(1)) {
                    row.label.push_str(" !!!");
                }
            }
            Op::Select { index } => self.selected = self.rows.get(index).map_or(0, |r| r.id),
            Op::Swap { a, b } => {
                if self.rows.len() > a.max(b) {
                    self.rows.swap(a, b);
                }
            }
            Op::Remove { index } => {
                if index < self.rows.len() {
                    self.rows.remove(index);
                }
            }
            Op::Clear => {
                self.rows.clear();
                self.selected = 0;
            }
        }
    }

    fn index_of(&self, id: &str) -> usize {
        let id: u32 = id.parse().unwrap_or(0);
        // Not found: past the end, which every op ignores (rows-model.ts uses -1).
        self.rows
            .iter()
            .position(|r| r.id == id)
            .unwrap_or(usize::MAX)
    }
}

impl Component for Rows {
    fn render(&mut self, _props: &str) -> View {
        let selected = self.selected;
        table()
            .class("table table-hover table-striped test-data")
            .child(tbody().children(self.rows.iter().map(|row| {
                let id = row.id.to_string();
                tr().key(id.clone())
                    .class(if row.id == selected { "danger" } else { "" })
                    .child(td().class("col-md-1").text(id.clone()))
                    .child(
                        td().class("col-md-4").child(
                            a().on("click", &format!("select:{id}"))
                                .text(row.label.clone()),
                        ),
                    )
                    .child(
                        td().class("col-md-1").child(
                            a().on("click", &format!("remove:{id}")).child(
                                span()
                                    .class("glyphicon glyphicon-remove")
                                    .attr("aria-hidden", "true"),
                            ),
                        ),
                    )
                    .child(el("td").class("col-md-6"))
            })))
            .into()
    }

    fn handle(&mut self, event: &Event) {
        let handler = event.handler.as_str();
        if handler == "op" {
            match serde_json::from_str::<Op>(&event.payload) {
                Ok(op) => self.apply(op),
                Err(_) => return,
            }
        } else if let Some(id) = handler.strip_prefix("select:") {
            let index = self.index_of(id);
            self.apply(Op::Select { index });
        } else if let Some(id) = handler.strip_prefix("remove:") {
            let index = self.index_of(id);
            self.apply(Op::Remove { index });
        } else {
            return;
        }
        fx::invalidate();
    }
}

loop_sdk::fx_component!(Rows);
