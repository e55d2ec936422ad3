//! The JSON mapping of component-model values used by the control protocol.
//!
//! | WIT | JSON |
//! |---|---|
//! | bool, integers, floats | boolean, number (`s64`/`u64` beyond 2^53 as a decimal string) |
//! | char, string | string |
//! | list<T>, tuple | array |
//! | record | object keyed by field name (kebab-case, as in WIT), fields in WIT order |
//! | variant | `{"tag": "case"}` or `{"tag": "case", "val": payload}` |
//! | enum | string |
//! | option<T> | `null` or the value (`{"some": v}` also accepted, and used for nested options) |
//! | result<T, E> | `{"ok": v}` or `{"err": e}` (`v`/`e` `null` without a payload) |
//! | flags | array of set flag names |
//!
//! Resources, futures and streams cannot cross the protocol.

use serde_json::Value;
use wasmtime::component::Val;
use wasmtime::component::types::Type;

const SAFE_INT: u64 = 1 << 53;

/// Converts a JSON value to a component value of type `ty`; errors say where the mismatch is.
pub fn from_json(ty: &Type, value: &Value) -> Result<Val, String> {
    from_json_at(ty, value, "$")
}

fn expected(what: &str, path: &str, got: &Value) -> String {
    let got = match got {
        Value::Null => "null".to_string(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    };
    format!("at {path}: expected {what}, got {got}")
}

fn int(value: &Value, path: &str, what: &str) -> Result<i128, String> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            .ok_or_else(|| expected(what, path, value)),
        Value::String(s) => s.parse::<i128>().map_err(|_| expected(what, path, value)),
        _ => Err(expected(what, path, value)),
    }
}

macro_rules! ranged {
    ($value:expr, $path:expr, $t:ty, $variant:ident, $what:expr) => {{
        let n = int($value, $path, $what)?;
        <$t>::try_from(n)
            .map(Val::$variant)
            .map_err(|_| format!("at {}: {} is out of range for {}", $path, n, $what))
    }};
}

fn from_json_at(ty: &Type, value: &Value, path: &str) -> Result<Val, String> {
    Ok(match ty {
        Type::Bool => Val::Bool(
            value
                .as_bool()
                .ok_or_else(|| expected("a boolean", path, value))?,
        ),
        Type::S8 => ranged!(value, path, i8, S8, "s8")?,
        Type::U8 => ranged!(value, path, u8, U8, "u8")?,
        Type::S16 => ranged!(value, path, i16, S16, "s16")?,
        Type::U16 => ranged!(value, path, u16, U16, "u16")?,
        Type::S32 => ranged!(value, path, i32, S32, "s32")?,
        Type::U32 => ranged!(value, path, u32, U32, "u32")?,
        Type::S64 => ranged!(value, path, i64, S64, "s64")?,
        Type::U64 => ranged!(value, path, u64, U64, "u64")?,
        Type::Float32 => Val::Float32(
            value
                .as_f64()
                .ok_or_else(|| expected("a number", path, value))? as f32,
        ),
        Type::Float64 => Val::Float64(
            value
                .as_f64()
                .ok_or_else(|| expected("a number", path, value))?,
        ),
        Type::Char => {
            let s = value
                .as_str()
                .ok_or_else(|| expected("a one-character string", path, value))?;
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Val::Char(c),
                _ => return Err(expected("a one-character string", path, value)),
            }
        }
        Type::String => Val::String(
            value
                .as_str()
                .ok_or_else(|| expected("a string", path, value))?
                .to_string(),
        ),
        Type::List(list) => {
            let items = value
                .as_array()
                .ok_or_else(|| expected("an array", path, value))?;
            let elem = list.ty();
            Val::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| from_json_at(&elem, v, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::FixedLengthList(list) => {
            let items = value
                .as_array()
                .ok_or_else(|| expected("an array", path, value))?;
            let elem = list.ty();
            Val::FixedLengthList(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| from_json_at(&elem, v, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Map(map) => {
            let obj = value
                .as_object()
                .ok_or_else(|| expected("an object", path, value))?;
            let (k, v) = (map.key(), map.value());
            Val::Map(
                obj.iter()
                    .map(|(key, val)| {
                        Ok((
                            from_json_at(
                                &k,
                                &Value::String(key.clone()),
                                &format!("{path}.{key}"),
                            )?,
                            from_json_at(&v, val, &format!("{path}.{key}"))?,
                        ))
                    })
                    .collect::<Result<_, String>>()?,
            )
        }
        Type::Record(record) => {
            let obj = value
                .as_object()
                .ok_or_else(|| expected("an object", path, value))?;
            let mut fields = Vec::new();
            for field in record.fields() {
                let sub = format!("{path}.{}", field.name);
                let v = obj.get(field.name).unwrap_or(&Value::Null);
                if v.is_null() && !matches!(field.ty, Type::Option(_)) {
                    return Err(format!("at {sub}: missing field `{}`", field.name));
                }
                fields.push((field.name.to_string(), from_json_at(&field.ty, v, &sub)?));
            }
            if let Some(extra) = obj
                .keys()
                .find(|k| !record.fields().any(|f| f.name == k.as_str()))
            {
                return Err(format!("at {path}: unknown field `{extra}`"));
            }
            Val::Record(fields)
        }
        Type::Tuple(tuple) => {
            let items = value
                .as_array()
                .ok_or_else(|| expected("an array", path, value))?;
            let types: Vec<Type> = tuple.types().collect();
            if items.len() != types.len() {
                return Err(format!(
                    "at {path}: expected a tuple of {} values, got {}",
                    types.len(),
                    items.len()
                ));
            }
            Val::Tuple(
                types
                    .iter()
                    .zip(items)
                    .enumerate()
                    .map(|(i, (t, v))| from_json_at(t, v, &format!("{path}[{i}]")))
                    .collect::<Result<_, _>>()?,
            )
        }
        Type::Variant(variant) => {
            let obj = value
                .as_object()
                .ok_or_else(|| expected("{\"tag\": ..., \"val\": ...}", path, value))?;
            let tag = obj
                .get("tag")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("at {path}: missing \"tag\""))?;
            let case = variant
                .cases()
                .find(|c| c.name == tag)
                .ok_or_else(|| format!("at {path}: unknown case `{tag}`"))?;
            let payload = match (&case.ty, obj.get("val")) {
                (Some(t), Some(v)) => Some(Box::new(from_json_at(t, v, &format!("{path}.val"))?)),
                (Some(_), None) => return Err(format!("at {path}: case `{tag}` needs a \"val\"")),
                (None, _) => None,
            };
            Val::Variant(tag.to_string(), payload)
        }
        Type::Enum(e) => {
            let s = value
                .as_str()
                .ok_or_else(|| expected("an enum case name", path, value))?;
            if !e.names().any(|n| n == s) {
                return Err(format!("at {path}: unknown enum case `{s}`"));
            }
            Val::Enum(s.to_string())
        }
        Type::Option(opt) => match value {
            Value::Null => Val::Option(None),
            Value::Object(o) if o.len() == 1 && o.contains_key("some") => {
                Val::Option(Some(Box::new(from_json_at(
                    &opt.ty(),
                    &o["some"],
                    &format!("{path}.some"),
                )?)))
            }
            v => Val::Option(Some(Box::new(from_json_at(&opt.ty(), v, path)?))),
        },
        Type::Result(r) => {
            let obj = value
                .as_object()
                .ok_or_else(|| expected("{\"ok\": ...} or {\"err\": ...}", path, value))?;
            let side = |t: Option<Type>, key: &str| -> Result<Option<Box<Val>>, String> {
                match t {
                    Some(t) => Ok(Some(Box::new(from_json_at(
                        &t,
                        &obj[key],
                        &format!("{path}.{key}"),
                    )?))),
                    None => Ok(None),
                }
            };
            if obj.contains_key("ok") {
                Val::Result(Ok(side(r.ok(), "ok")?))
            } else if obj.contains_key("err") {
                Val::Result(Err(side(r.err(), "err")?))
            } else {
                return Err(expected("{\"ok\": ...} or {\"err\": ...}", path, value));
            }
        }
        Type::Flags(flags) => {
            let items = value
                .as_array()
                .ok_or_else(|| expected("an array of flag names", path, value))?;
            let mut set = Vec::new();
            for item in items {
                let name = item
                    .as_str()
                    .ok_or_else(|| expected("a flag name", path, item))?;
                if !flags.names().any(|n| n == name) {
                    return Err(format!("at {path}: unknown flag `{name}`"));
                }
                set.push(name.to_string());
            }
            Val::Flags(set)
        }
        Type::Own(_) | Type::Borrow(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext => {
            return Err(format!(
                "at {path}: resources, futures and streams cannot be passed through the control protocol"
            ));
        }
    })
}

/// Writes a component value as JSON text straight into `out` (no intermediate tree: renders of
/// thousands of nodes cross the protocol on every update). Record fields keep their WIT order.
pub fn write_json(val: &Val, out: &mut Vec<u8>) {
    fn string(out: &mut Vec<u8>, s: &str) {
        // serde_json's escaping; writing to a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
    fn number(out: &mut Vec<u8>, n: impl serde::Serialize) {
        let _ = serde_json::to_writer(&mut *out, &n);
    }
    fn array<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a Val>) {
        out.push(b'[');
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_json(item, out);
        }
        out.push(b']');
    }
    match val {
        Val::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Val::S8(n) => number(out, n),
        Val::U8(n) => number(out, n),
        Val::S16(n) => number(out, n),
        Val::U16(n) => number(out, n),
        Val::S32(n) => number(out, n),
        Val::U32(n) => number(out, n),
        Val::S64(n) if n.unsigned_abs() <= SAFE_INT => number(out, n),
        Val::S64(n) => string(out, &n.to_string()),
        Val::U64(n) if *n <= SAFE_INT => number(out, n),
        Val::U64(n) => string(out, &n.to_string()),
        Val::Float32(f) => number(out, f),
        Val::Float64(f) => number(out, f),
        Val::Char(c) => string(out, c.encode_utf8(&mut [0; 4])),
        Val::String(s) => string(out, s),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            array(out, items.iter())
        }
        Val::Map(entries) => {
            out.push(b'{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match k {
                    Val::String(s) => string(out, s),
                    other => {
                        let mut key = Vec::new();
                        write_json(other, &mut key);
                        string(out, &String::from_utf8_lossy(&key));
                    }
                }
                out.push(b':');
                write_json(v, out);
            }
            out.push(b'}');
        }
        Val::Record(fields) => {
            out.push(b'{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, k);
                out.push(b':');
                write_json(v, out);
            }
            out.push(b'}');
        }
        Val::Variant(tag, payload) => {
            out.extend_from_slice(b"{\"tag\":");
            string(out, tag);
            if let Some(p) = payload {
                out.extend_from_slice(b",\"val\":");
                write_json(p, out);
            }
            out.push(b'}');
        }
        Val::Enum(name) => string(out, name),
        Val::Option(None) => out.extend_from_slice(b"null"),
        Val::Option(Some(inner)) => match inner.as_ref() {
            // Keep `some(none)` distinguishable from `none`.
            Val::Option(_) => {
                out.extend_from_slice(b"{\"some\":");
                write_json(inner, out);
                out.push(b'}');
            }
            v => write_json(v, out),
        },
        Val::Result(r) => {
            let (key, v): (&[u8], _) = match r {
                Ok(v) => (b"{\"ok\":", v),
                Err(e) => (b"{\"err\":", e),
            };
            out.extend_from_slice(key);
            match v {
                Some(v) => write_json(v, out),
                None => out.extend_from_slice(b"null"),
            }
            out.push(b'}');
        }
        Val::Flags(names) => {
            out.push(b'[');
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, n);
            }
            out.push(b']');
        }
        Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) => {
            out.extend_from_slice(
                b"{\"unsupported\":\"resource handles do not cross the control protocol\"}",
            );
        }
    }
}
