//! `loop:fx` views lifted through typed bindings and written as the control protocol's JSON.
//!
//! A render of a large tree is the hottest call of the control protocol (every update of an fx
//! app crosses it). Lifted as dynamic `Val`s, each of its records allocates a `String` per field
//! name and a `Vec` of fields; lifted into these structs it allocates only its own strings and
//! lists. The JSON written is byte for byte what [`crate::vals::write_json`] writes for the same
//! value (record fields in WIT order, variants as `{"tag","val"}`, `none` as `null`), so callers
//! cannot tell the paths apart.

use wasmtime::component::{ComponentType, Lift};

/// `loop:fx/types.attr`.
#[derive(ComponentType, Lift, Debug, Clone, PartialEq)]
#[component(record)]
pub struct Attr {
    pub name: String,
    pub value: String,
}

/// `loop:fx/types.listener`.
#[derive(ComponentType, Lift, Debug, Clone, PartialEq)]
#[component(record)]
pub struct Listener {
    pub event: String,
    pub handler: String,
}

/// `loop:fx/types.element`.
#[derive(ComponentType, Lift, Debug, Clone, PartialEq)]
#[component(record)]
pub struct Element {
    pub tag: String,
    pub key: Option<String>,
    pub attrs: Vec<Attr>,
    pub listeners: Vec<Listener>,
    #[component(name = "child-count")]
    pub child_count: u32,
}

/// `loop:fx/types.child`.
#[derive(ComponentType, Lift, Debug, Clone, PartialEq)]
#[component(record)]
pub struct Child {
    pub component: String,
    pub key: Option<String>,
    pub props: String,
    pub listeners: Vec<Listener>,
}

/// `loop:fx/types.node`.
#[derive(ComponentType, Lift, Debug, Clone, PartialEq)]
#[component(variant)]
pub enum Node {
    #[component(name = "element")]
    Element(Element),
    #[component(name = "text")]
    Text(String),
    #[component(name = "component")]
    Component(Child),
}

/// Whether `function` (as a `call` names it) is `loop:fx/component#render`, any version.
pub fn is_render(function: &str) -> bool {
    match function.split_once('#') {
        Some((iface, "render")) => crate::loader::unversioned(iface) == "loop:fx/component",
        _ => false,
    }
}

fn string(out: &mut Vec<u8>, s: &str) {
    // serde_json's escaping, as `vals::write_json`; writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

fn key(out: &mut Vec<u8>, key: &Option<String>) {
    match key {
        Some(k) => string(out, k),
        None => out.extend_from_slice(b"null"),
    }
}

/// A list of two-string records (`attr`, `listener`): `[{"<a>":..,"<b>":..},..]`.
fn pairs<T>(out: &mut Vec<u8>, list: &[T], a: &[u8], b: &[u8], get: impl Fn(&T) -> (&str, &str)) {
    out.push(b'[');
    for (i, item) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let (x, y) = get(item);
        out.extend_from_slice(a);
        string(out, x);
        out.extend_from_slice(b);
        string(out, y);
        out.push(b'}');
    }
    out.push(b']');
}

fn listeners(out: &mut Vec<u8>, list: &[Listener]) {
    pairs(out, list, b"{\"event\":", b",\"handler\":", |l| {
        (&l.event, &l.handler)
    });
}

/// Writes a view as JSON into `out`.
pub fn write_view(view: &[Node], out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, node) in view.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match node {
            Node::Element(e) => {
                out.extend_from_slice(b"{\"tag\":\"element\",\"val\":{\"tag\":");
                string(out, &e.tag);
                out.extend_from_slice(b",\"key\":");
                key(out, &e.key);
                out.extend_from_slice(b",\"attrs\":");
                pairs(out, &e.attrs, b"{\"name\":", b",\"value\":", |a| {
                    (&a.name, &a.value)
                });
                out.extend_from_slice(b",\"listeners\":");
                listeners(out, &e.listeners);
                out.extend_from_slice(b",\"child-count\":");
                out.extend_from_slice(e.child_count.to_string().as_bytes());
                out.extend_from_slice(b"}}");
            }
            Node::Text(t) => {
                out.extend_from_slice(b"{\"tag\":\"text\",\"val\":");
                string(out, t);
                out.push(b'}');
            }
            Node::Component(c) => {
                out.extend_from_slice(b"{\"tag\":\"component\",\"val\":{\"component\":");
                string(out, &c.component);
                out.extend_from_slice(b",\"key\":");
                key(out, &c.key);
                out.extend_from_slice(b",\"props\":");
                string(out, &c.props);
                out.extend_from_slice(b",\"listeners\":");
                listeners(out, &c.listeners);
                out.extend_from_slice(b"}}");
            }
        }
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::component::Val;

    fn s(v: &str) -> Val {
        Val::String(v.into())
    }

    fn opt(v: &Option<String>) -> Val {
        Val::Option(v.as_ref().map(|k| Box::new(s(k))))
    }

    fn listener_vals(list: &[Listener]) -> Val {
        Val::List(
            list.iter()
                .map(|l| {
                    Val::Record(vec![
                        ("event".into(), s(&l.event)),
                        ("handler".into(), s(&l.handler)),
                    ])
                })
                .collect(),
        )
    }

    /// The same view as the dynamic values Wasmtime lifts it to.
    fn as_val(view: &[Node]) -> Val {
        Val::List(
            view.iter()
                .map(|n| match n {
                    Node::Element(e) => Val::Variant(
                        "element".into(),
                        Some(Box::new(Val::Record(vec![
                            ("tag".into(), s(&e.tag)),
                            ("key".into(), opt(&e.key)),
                            (
                                "attrs".into(),
                                Val::List(
                                    e.attrs
                                        .iter()
                                        .map(|a| {
                                            Val::Record(vec![
                                                ("name".into(), s(&a.name)),
                                                ("value".into(), s(&a.value)),
                                            ])
                                        })
                                        .collect(),
                                ),
                            ),
                            ("listeners".into(), listener_vals(&e.listeners)),
                            ("child-count".into(), Val::U32(e.child_count)),
                        ]))),
                    ),
                    Node::Text(t) => Val::Variant("text".into(), Some(Box::new(s(t)))),
                    Node::Component(c) => Val::Variant(
                        "component".into(),
                        Some(Box::new(Val::Record(vec![
                            ("component".into(), s(&c.component)),
                            ("key".into(), opt(&c.key)),
                            ("props".into(), s(&c.props)),
                            ("listeners".into(), listener_vals(&c.listeners)),
                        ]))),
                    ),
                })
                .collect(),
        )
    }

    /// A small xorshift generator, so the views are the same every run.
    struct Rng(u32);

    impl Rng {
        fn below(&mut self, n: u32) -> u32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            self.0 % n
        }

        fn word(&mut self) -> String {
            const WORDS: [&str; 7] = [
                "",
                "a",
                "row 7",
                "quote \" and \\",
                "line\nbreak",
                "ünï",
                "\u{1}ctl",
            ];
            WORDS[self.below(WORDS.len() as u32) as usize].to_string()
        }

        fn key(&mut self) -> Option<String> {
            if self.below(2) == 0 {
                None
            } else {
                Some(self.word())
            }
        }

        fn listeners(&mut self) -> Vec<Listener> {
            (0..self.below(3))
                .map(|_| Listener {
                    event: self.word(),
                    handler: self.word(),
                })
                .collect()
        }
    }

    /// Deterministic pseudo-random views: every node kind, keys present and absent, strings
    /// that need escaping, empty and long lists.
    fn views() -> Vec<Vec<Node>> {
        let mut rng = Rng(0x9e37_79b9);
        let mut out = vec![Vec::new()];
        for _ in 0..40 {
            let mut view = Vec::new();
            for _ in 0..rng.below(12) {
                view.push(match rng.below(3) {
                    0 => Node::Element(Element {
                        tag: rng.word(),
                        key: rng.key(),
                        attrs: (0..rng.below(4))
                            .map(|_| Attr {
                                name: rng.word(),
                                value: rng.word(),
                            })
                            .collect(),
                        listeners: rng.listeners(),
                        child_count: rng.below(u32::MAX),
                    }),
                    1 => Node::Text(rng.word()),
                    _ => Node::Component(Child {
                        component: rng.word(),
                        key: rng.key(),
                        props: rng.word(),
                        listeners: rng.listeners(),
                    }),
                });
            }
            out.push(view);
        }
        out
    }

    #[test]
    fn writes_what_the_generic_writer_writes() {
        for view in views() {
            let mut typed = Vec::new();
            write_view(&view, &mut typed);
            let mut generic = Vec::new();
            crate::vals::write_json(&as_val(&view), &mut generic);
            assert_eq!(
                String::from_utf8(typed).unwrap(),
                String::from_utf8(generic).unwrap()
            );
        }
    }

    #[test]
    fn recognises_the_render_export() {
        assert!(is_render("loop:fx/component#render"));
        assert!(is_render("loop:fx/component@0.1.0#render"));
        assert!(!is_render("loop:fx/component#handle"));
        assert!(!is_render("my:app/component#render"));
        assert!(!is_render("render"));
    }
}
