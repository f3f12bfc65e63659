//! Where a WASM module's bytes go, read straight from the module: each
//! function body's size from the code section, its name from the `name`
//! custom section (wasm-bindgen's output keeps it, demangled; wasm-opt's
//! strips it), and each data segment's size. No tool to install, so
//! `cargo xtask size --why` costs CI nothing.

use crate::Result;
use std::collections::BTreeMap;

/// One function body or data segment and the bytes it takes.
pub struct Item {
    pub name: String,
    pub bytes: usize,
    pub data: bool,
}

/// Every function body and data segment in `wasm`, named where the module names them.
pub fn items(wasm: &[u8]) -> Result<Vec<Item>> {
    let mut r = Reader { b: wasm, at: 8 };
    if wasm.get(..4) != Some(b"\0asm") {
        return Err("not a WASM module".into());
    }
    let (mut imported, mut bodies, mut segments) = (0usize, Vec::new(), Vec::new());
    let (mut fn_names, mut data_names) = (BTreeMap::new(), BTreeMap::new());
    while r.at < wasm.len() {
        let id = r.byte()?;
        let len = r.uleb()? as usize;
        let end = r.at + len;
        let mut s = Reader { b: &wasm[..end.min(wasm.len())], at: r.at };
        match id {
            2 => imported = count_imported_functions(&mut s)?,
            10 => {
                for _ in 0..s.uleb()? {
                    let size = s.uleb()? as usize;
                    bodies.push(size + leb_len(size as u64));
                    s.at += size;
                }
            }
            11 => {
                for _ in 0..s.uleb()? {
                    let start = s.at;
                    skip_data_segment(&mut s)?;
                    segments.push(s.at - start);
                }
            }
            0 if s.name()? == "name" => read_names(&mut s, &mut fn_names, &mut data_names)?,
            _ => {}
        }
        r.at = end;
    }
    let functions = bodies.into_iter().enumerate().map(|(i, bytes)| {
        let name = fn_names.get(&(imported + i)).cloned().unwrap_or_else(|| format!("func[{}]", imported + i));
        Item { name, bytes, data: false }
    });
    let data = segments.into_iter().enumerate().map(|(i, bytes)| {
        let name = data_names.get(&i).cloned().unwrap_or_else(|| format!("data[{i}]"));
        Item { name: format!("data segment {name}"), bytes, data: true }
    });
    Ok(functions.chain(data).collect())
}

/// The crate a (demangled) function name belongs to, as twiggy's "garbage
/// by crate" would group it: the first path in the name, so `<T as
/// Trait>::f` counts for `T`'s crate.
pub fn crate_of(name: &str) -> &str {
    let n = name.trim_start_matches(['<', '&', '*', ' ']).trim_start_matches("mut ").trim_start_matches("dyn ");
    let n = n.strip_prefix("impl ").unwrap_or(n);
    let end = [n.find("::"), n.find(' '), n.find('<')].into_iter().flatten().min().unwrap_or(n.len());
    // `core[c5930c85a12de822]`: the standard library's crates carry a disambiguator.
    let head = n[..end].split('[').next().unwrap_or_default();
    if head.is_empty() || head.contains(['(', '[', '{']) {
        "other"
    } else {
        head
    }
}

fn count_imported_functions(s: &mut Reader) -> Result<usize> {
    let mut functions = 0;
    for _ in 0..s.uleb()? {
        s.name()?;
        s.name()?;
        match s.byte()? {
            0 => {
                functions += 1;
                s.uleb()?;
            }
            1 => {
                s.byte()?;
                skip_limits(s)?;
            }
            2 => skip_limits(s)?,
            3 => {
                s.byte()?;
                s.byte()?;
            }
            4 => {
                s.byte()?;
                s.uleb()?;
            }
            k => return Err(format!("unknown import kind {k}")),
        }
    }
    Ok(functions)
}

fn skip_limits(s: &mut Reader) -> Result {
    let flags = s.byte()?;
    s.uleb()?;
    if flags & 1 == 1 {
        s.uleb()?;
    }
    Ok(())
}

fn skip_data_segment(s: &mut Reader) -> Result {
    match s.uleb()? {
        0 => skip_const_expr(s)?,
        1 => {}
        2 => {
            s.uleb()?;
            skip_const_expr(s)?;
        }
        k => return Err(format!("unknown data segment kind {k}")),
    }
    let len = s.uleb()? as usize;
    s.at += len;
    Ok(())
}

/// Skips an offset expression up to its `end` (0x0b); rustc emits `i32.const N end`.
fn skip_const_expr(s: &mut Reader) -> Result {
    loop {
        match s.byte()? {
            0x0b => return Ok(()),
            0x41 | 0x42 | 0x23 => {
                s.sleb()?;
            }
            op => return Err(format!("unexpected opcode {op:#x} in a data segment offset")),
        }
    }
}

/// The `name` section: subsection 1 names functions, 9 data segments.
fn read_names(s: &mut Reader, functions: &mut BTreeMap<usize, String>, data: &mut BTreeMap<usize, String>) -> Result {
    while s.at < s.b.len() {
        let id = s.byte()?;
        let len = s.uleb()? as usize;
        let end = s.at + len;
        if id == 1 || id == 9 {
            let map = if id == 1 { &mut *functions } else { &mut *data };
            for _ in 0..s.uleb()? {
                let idx = s.uleb()? as usize;
                map.insert(idx, s.name()?.to_owned());
            }
        }
        s.at = end;
    }
    Ok(())
}

fn leb_len(mut v: u64) -> usize {
    let mut n = 1;
    while v >= 0x80 {
        v >>= 7;
        n += 1;
    }
    n
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self.b.get(self.at).ok_or("WASM module ends early")?;
        self.at += 1;
        Ok(b)
    }

    fn uleb(&mut self) -> Result<u64> {
        let (mut v, mut shift) = (0u64, 0);
        loop {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
            shift += 7;
            if shift > 63 {
                return Err("LEB128 number too long".into());
            }
        }
    }

    fn sleb(&mut self) -> Result<()> {
        while self.byte()? & 0x80 != 0 {}
        Ok(())
    }

    fn name(&mut self) -> Result<&'a str> {
        let len = self.uleb()? as usize;
        let bytes = self.b.get(self.at..self.at + len).ok_or("WASM name runs past its section")?;
        self.at += len;
        std::str::from_utf8(bytes).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_are_the_first_path_of_a_name() {
        assert_eq!(crate_of("serde_json::de::from_slice::h12"), "serde_json");
        assert_eq!(crate_of("<yew::html::Html as core::clone::Clone>::clone"), "yew");
        assert_eq!(crate_of("<&porchlight_protocol::ids::SessionId as core::fmt::Display>::fmt"), "porchlight_protocol");
        assert_eq!(crate_of("core::ptr::drop_in_place<yew::html::Html>"), "core");
        assert_eq!(crate_of("core[c5930c85a12de822]::num::flt2dec::strategy::dragon::format_exact"), "core");
        assert_eq!(crate_of("func[12]"), "func");
    }

    #[test]
    fn a_module_with_one_named_function_and_one_data_segment() {
        // (module (func $f) (memory 1) (data (i32.const 0) "abc")) with a name section.
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend([1, 4, 1, 0x60, 0, 0]); // type: () -> ()
        m.extend([3, 2, 1, 0]); // function 0 has type 0
        m.extend([5, 3, 1, 0, 1]); // memory
        m.extend([10, 4, 1, 2, 0, 0x0b]); // code: one body of 2 bytes
        m.extend([11, 9, 1, 0, 0x41, 0, 0x0b, 3, b'a', b'b', b'c']); // data
        m.extend([0, 11, 4, b'n', b'a', b'm', b'e', 1, 4, 1, 0, 1, b'f']); // name: func 0 = "f"
        let items = items(&m).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!((items[0].name.as_str(), items[0].bytes, items[0].data), ("f", 3, false));
        assert_eq!((items[1].bytes, items[1].data), (8, true));
    }
}
