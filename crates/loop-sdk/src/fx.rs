//! `loop:fx` components: state, handlers, child components and keyed lists, rendered to a view
//! that the host reconciles. The component never diffs; it describes what it looks like now.
//!
//! ```ignore
//! use loop_sdk::fx::{self, button, div, h1, Component, Event, View};
//!
//! #[derive(Default)]
//! struct Counter { count: i64 }
//!
//! impl Component for Counter {
//!     fn render(&mut self, _props: &str) -> View {
//!         div().class("counter")
//!             .child(h1().text(format!("Count: {}", self.count)))
//!             .child(button().on("click", "inc").text("+"))
//!             .into()
//!     }
//!     fn handle(&mut self, event: &Event) {
//!         if event.handler == "inc" { self.count += 1; fx::invalidate(); }
//!     }
//! }
//! loop_sdk::fx_component!(Counter);
//! ```

use std::cell::RefCell;

use crate::fx_bindings::loop_::fx::{host, types};

pub use types::Event;

/// A component: state plus `render` and `handle`. One instance lives per fiber.
pub trait Component: Default + 'static {
    /// Describes the view for these props (JSON text). It may remember what it needs from the
    /// props (e.g. an id for its handlers), but should not otherwise change state here.
    fn render(&mut self, props: &str) -> View;
    /// Reacts to an event from one of its listeners or timers; call [`invalidate`] to re-render.
    fn handle(&mut self, event: &Event);
}

/// Asks the host to re-render this component.
pub fn invalidate() {
    host::invalidate();
}

/// Yields `name` with a JSON payload to the parent component.
pub fn emit(name: &str, payload: &str) {
    host::emit(name, payload);
}

/// Virtual milliseconds (deterministic under replay).
pub fn now() -> u64 {
    host::now()
}

/// Calls `handle` with `handler` after `delay_ms` virtual milliseconds; returns the timer id.
pub fn set_timeout(delay_ms: u32, handler: &str) -> u32 {
    host::set_timeout(delay_ms, handler)
}

/// Cancels a timer.
pub fn clear_timeout(id: u32) {
    host::clear_timeout(id);
}

/// A node of a view under construction.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// An element with its children.
    Element(Element),
    /// Text.
    Text(String),
    /// A child component.
    Child(Child),
}

/// An element under construction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    tag: String,
    key: Option<String>,
    attrs: Vec<(String, String)>,
    listeners: Vec<(String, String)>,
    children: Vec<Node>,
}

/// An element with tag `tag`.
pub fn el(tag: &str) -> Element {
    Element {
        tag: tag.to_string(),
        ..Default::default()
    }
}

macro_rules! tags {
    ($($name:ident),*) => {$(
        #[doc = concat!("A `<", stringify!($name), ">` element.")]
        pub fn $name() -> Element { el(stringify!($name)) }
    )*};
}
tags!(
    div, span, p, h1, h2, h3, ul, ol, li, button, input, label, form, section, header, footer,
    table, tbody, tr, td, a, strong, em
);

impl Element {
    /// Sets an attribute (order is kept).
    pub fn attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.attrs.push((name.to_string(), value.into()));
        self
    }

    /// Sets `class`.
    pub fn class(self, value: impl Into<String>) -> Self {
        self.attr("class", value)
    }

    /// Sets the key that identifies it among its siblings.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Routes DOM event `event` to this component's handler `handler`.
    pub fn on(mut self, event: &str, handler: &str) -> Self {
        self.listeners
            .push((event.to_string(), handler.to_string()));
        self
    }

    /// Appends a child.
    pub fn child(mut self, child: impl Into<Node>) -> Self {
        self.children.push(child.into());
        self
    }

    /// Appends children (e.g. a keyed list).
    pub fn children<I: IntoIterator<Item = N>, N: Into<Node>>(mut self, children: I) -> Self {
        self.children.extend(children.into_iter().map(Into::into));
        self
    }

    /// Appends a text child.
    pub fn text(self, text: impl Into<String>) -> Self {
        self.child(Node::Text(text.into()))
    }
}

impl From<Element> for Node {
    fn from(e: Element) -> Self {
        Node::Element(e)
    }
}

impl From<&str> for Node {
    fn from(s: &str) -> Self {
        Node::Text(s.to_string())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Self {
        Node::Text(s)
    }
}

/// A child component under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    component: String,
    key: Option<String>,
    props: String,
    listeners: Vec<(String, String)>,
}

/// A child component `name` with props (JSON text).
pub fn component(name: &str, props: impl Into<String>) -> Child {
    Child {
        component: name.to_string(),
        key: None,
        props: props.into(),
        listeners: Vec::new(),
    }
}

impl Child {
    /// Sets its key among siblings.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Routes what the child emits as `name` to this component's handler `handler`.
    pub fn on(mut self, name: &str, handler: &str) -> Self {
        self.listeners.push((name.to_string(), handler.to_string()));
        self
    }
}

impl From<Child> for Node {
    fn from(c: Child) -> Self {
        Node::Child(c)
    }
}

/// What `render` returns: zero or more root nodes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct View(pub Vec<Node>);

impl<N: Into<Node>> From<N> for View {
    fn from(n: N) -> Self {
        View(vec![n.into()])
    }
}

impl View {
    /// The flat pre-order node list that crosses the boundary.
    pub fn flatten(self) -> Vec<types::Node> {
        let mut out = Vec::new();
        for node in self.0 {
            flatten_into(node, &mut out);
        }
        out
    }
}

fn listeners(list: Vec<(String, String)>) -> Vec<types::Listener> {
    list.into_iter()
        .map(|(event, handler)| types::Listener { event, handler })
        .collect()
}

fn flatten_into(node: Node, out: &mut Vec<types::Node>) {
    match node {
        Node::Text(t) => out.push(types::Node::Text(t)),
        Node::Child(c) => out.push(types::Node::Component(types::Child {
            component: c.component,
            key: c.key,
            props: c.props,
            listeners: listeners(c.listeners),
        })),
        Node::Element(e) => {
            out.push(types::Node::Element(types::Element {
                tag: e.tag,
                key: e.key,
                attrs: e
                    .attrs
                    .into_iter()
                    .map(|(name, value)| types::Attr { name, value })
                    .collect(),
                listeners: listeners(e.listeners),
                child_count: e.children.len() as u32,
            }));
            for child in e.children {
                flatten_into(child, out);
            }
        }
    }
}

thread_local! {
    static STATE: RefCell<Option<Box<dyn std::any::Any>>> = const { RefCell::new(None) };
}

fn with_state<T: Component, R>(f: impl FnOnce(&mut T) -> R) -> R {
    STATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let state = slot.get_or_insert_with(|| Box::new(T::default()));
        f(state
            .downcast_mut::<T>()
            .expect("one component type per instance"))
    })
}

#[doc(hidden)]
pub fn __render<T: Component>(props: String) -> Vec<types::Node> {
    with_state::<T, _>(|c| c.render(&props).flatten())
}

#[doc(hidden)]
pub fn __handle<T: Component>(event: Event) {
    with_state::<T, _>(|c| c.handle(&event));
}

/// Exports `$ty` (a [`Component`]) as this wasm component's `loop:fx/component`.
#[macro_export]
macro_rules! fx_component {
    ($ty:ty) => {
        struct __LoopFxExport;
        impl $crate::fx_bindings::exports::loop_::fx::component::Guest for __LoopFxExport {
            fn render(props: String) -> Vec<$crate::fx_bindings::loop_::fx::types::Node> {
                $crate::fx::__render::<$ty>(props)
            }
            fn handle(event: $crate::fx::Event) {
                $crate::fx::__handle::<$ty>(event)
            }
        }
        $crate::fx_bindings::export_fx_app!(__LoopFxExport with_types_in $crate::fx_bindings);
    };
    // Also exports loop:host/lifecycle from `$ty`'s `lifecycle::Reload` (the `lifecycle`
    // feature), so `loop dev` keeps its state across a rebuild.
    ($ty:ty, reload) => {
        $crate::fx_component!($ty);
        $crate::reload_fx_component!($ty);
    };
}

/// Without the `lifecycle` feature, `fx_component!(T, reload)` says what to add.
#[cfg(not(feature = "lifecycle"))]
#[doc(hidden)]
#[macro_export]
macro_rules! reload_fx_component {
    ($ty:ty) => {
        compile_error!(
            "fx_component!(T, reload) needs loop-sdk's `lifecycle` feature: features = [\"fx\", \"lifecycle\"]"
        );
    };
}

/// Runs `f` on this instance's component state (creating it first); for `loop_sdk::lifecycle`.
#[doc(hidden)]
pub fn __with_state<T: Component, R>(f: impl FnOnce(&mut T) -> R) -> R {
    with_state::<T, R>(f)
}
